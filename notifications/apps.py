import importlib.util

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from notifications import checks  # noqa: F401 - registers the system checks

        # Shipped message templates follow the code: every migrate brings them up to date.
        post_migrate.connect(_sync_shipped_templates, sender=self)
        if importlib.util.find_spec("anymail") is not None:  # the optional ``anymail`` extra
            from anymail.signals import tracking

            from notifications.anymail_tracking import on_tracking

            tracking.connect(on_tracking, dispatch_uid="notifications.anymail_tracking")


def _sync_shipped_templates(sender, using="default", **kwargs) -> None:
    from notifications.templating.registry import sync_shipped_templates

    sync_shipped_templates(using=using)
