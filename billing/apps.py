from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from billing import checks  # noqa: F401 (registers the system checks)
        from billing.services.delivery_summary import record_message_status
        from billing.services.whatsapp import record_opt_out
        from notifications.hooks import message_status_changed, recipient_opted_out

        recipient_opted_out.connect(record_opt_out, dispatch_uid="billing.record_opt_out")
        message_status_changed.connect(
            record_message_status, dispatch_uid="billing.record_message_status"
        )
        post_migrate.connect(sync_role_groups, sender=self, dispatch_uid="billing.role_groups")


def sync_role_groups(using: str = "default", **kwargs) -> None:
    """After every migrate (billing's permissions exist by then): the role groups match the code."""
    from billing.services.roles import role_groups_sync

    role_groups_sync(using=using)
