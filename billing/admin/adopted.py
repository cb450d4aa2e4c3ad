"""Admins that other apps register (the delivery engine, Django's auth, the queue), adopted
into the workspace: the same pages, scoped through ``billing.admin.scoping`` like ours."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_q.models import Failure, OrmQ, Schedule, Success

import notifications.admin  # noqa: F401 - registers the delivery engine's admins first
from billing.admin.scoping import PLATFORM, SHARED, rescope
from notifications.models import (
    InboundWebhook,
    Message,
    MessageTemplate,
    OrphanEvent,
    TemplateVersion,
    WhatsAppChannel,
    WhatsAppTemplate,
)

TENANT_PATHS = {
    Message: "tenant_id",
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
}

for model, tenant_path in TENANT_PATHS.items():
    if model in admin.site._registry:  # the queue's admin registers OrmQ for the ORM broker only
        rescope(admin.site, model, tenant_path=tenant_path)
