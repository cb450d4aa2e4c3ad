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
from billing.admin.messages import WorkspaceMessageAdmin
from billing.admin.scoping import PLATFORM, SHARED, rescope, scoped_admin_class
from notifications.models import (
    InboundWebhook,
    Message,
    MessageTemplate,
    OrphanEvent,
    TemplateVersion,
    WhatsAppChannel,
    WhatsAppTemplate,
)

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
