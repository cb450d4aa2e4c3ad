"""Admins that other apps register (the delivery engine, Django's auth, the queue, the login
lockout), adopted into the workspace: the same pages, scoped through ``billing.admin.scoping``
like ours."""

import axes.admin  # noqa: F401 - registers the login lockout's admins first
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_q.models import Failure, OrmQ, Schedule, Success

import notifications.admin  # noqa: F401 - registers the delivery engine's admins first
from billing.admin.scoping import PLATFORM, SHARED, rescope, scoped_admin_class
from billing.services.actors import Actor
from billing.services.messages import message_resend
from billing.services.roles import RoleRequired
from notifications.admin.messages import MessageAdmin
from notifications.models import (
    InboundWebhook,
    Message,
    MessageTemplate,
    OrphanEvent,
    TemplateVersion,
    WhatsAppChannel,
    WhatsAppTemplate,
)


class WorkspaceMessageAdmin(MessageAdmin):
    """Retry and "resend anyway" go through billing's service, which checks the role."""

    resend_refusals = (*MessageAdmin.resend_refusals, RoleRequired)

    def has_resend_permission(self, request) -> bool:
        return self._role_allows(request, "change") and super().has_resend_permission(request)

    def resend_one(self, request, message, action, reason) -> None:
        actor = Actor.for_user(request.user)
        message_resend(message=message, action=action, actor=actor, reason=reason)


admin.site.unregister(Message)
admin.site.register(Message, scoped_admin_class(WorkspaceMessageAdmin, tenant_path="tenant_id"))

TENANT_PATHS = {
    WhatsAppChannel: "tenant_id",
    WhatsAppTemplate: "tenant_id",
    MessageTemplate: SHARED,
    TemplateVersion: SHARED,
    InboundWebhook: PLATFORM,
    OrphanEvent: PLATFORM,
    get_user_model(): PLATFORM,
    Group: PLATFORM,
    Schedule: PLATFORM,
    Success: PLATFORM,
    Failure: PLATFORM,
    OrmQ: PLATFORM,
    AccessAttempt: PLATFORM,  # admin login lockouts: platform operators lift them
    AccessFailureLog: PLATFORM,
    AccessLog: PLATFORM,
}

for model, tenant_path in TENANT_PATHS.items():
    if model in admin.site._registry:  # the queue's admin registers OrmQ for the ORM broker only
        rescope(admin.site, model, tenant_path=tenant_path)
