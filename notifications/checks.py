"""System checks: a half-configured 1MSG channel is reported before anything is sent."""

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.db import DatabaseError

ONEMSG_SETTINGS = ("ONEMSG_BASE_URL", "ONEMSG_CHANNEL_ID", "ONEMSG_TOKEN")


@register("notifications")
def check_onemsg_settings(app_configs=None, **kwargs):
    missing = [name for name in ONEMSG_SETTINGS if not getattr(settings, name, "")]
    if missing and len(missing) < len(ONEMSG_SETTINGS):
        return [
            Error(
                f"The default 1MSG channel is half configured: {', '.join(missing)} empty.",
                hint="Set all of ONEMSG_BASE_URL, ONEMSG_CHANNEL_ID and ONEMSG_TOKEN, or none.",
                id="notifications.E001",
            )
        ]
    if not settings.DEBUG and settings.ONEMSG_BASE_URL.startswith("http://127.0.0.1"):
        return [
            Warning(
                "ONEMSG_BASE_URL points at the local sandbox with DEBUG off.",
                hint="Production: ONEMSG_BASE_URL=https://api.1msg.io",
                id="notifications.W001",
            )
        ]
    return []


@register("notifications", "database")
def check_onemsg_channels(app_configs=None, databases=None, **kwargs):
    from notifications.models import WhatsAppChannel

    if not databases:
        return []
    try:
        half = [
            str(row.tenant_id)
            for row in WhatsAppChannel.objects.all()
            if bool(row.channel_id) != bool(row.token)
        ]
    except DatabaseError:
        return []
    return [
        Error(
            f"WhatsApp channel of organization {tenant} has a channel id or a token but not both.",
            id="notifications.E002",
        )
        for tenant in half
    ]
