"""System checks: a limit the API could not parse is reported before the first request."""

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.core.exceptions import ImproperlyConfigured

from billing.api.ratelimit import parse_limit

LIMIT_SETTINGS = ("API_RATE_LIMIT", "AUTH_FAILURE_LIMIT")


@register("billing")
def check_limits(app_configs=None, **kwargs):
    errors = []
    for name in LIMIT_SETTINGS:
        try:
            parse_limit(getattr(settings, name), name)
        except ImproperlyConfigured as exc:
            errors.append(Error(str(exc), hint="N/s, N/min, N/hour or N/day", id="billing.E001"))
    return errors


@register("billing", deploy=False)
def check_webhook_private_urls(app_configs=None, **kwargs):
    """Private webhook targets are for local receivers: never with DEBUG off."""
    if settings.WEBHOOK_ALLOW_PRIVATE_URLS and not settings.DEBUG:
        return [
            Warning(
                "WEBHOOK_ALLOW_PRIVATE_URLS is on with DEBUG off: webhook endpoints may reach "
                "loopback and private addresses (SSRF).",
                hint="Unset WEBHOOK_ALLOW_PRIVATE_URLS in production.",
                id="billing.W001",
            )
        ]
    return []
