from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from billing import checks  # noqa: F401 (registers the system checks)
        from billing.collections.fallback import on_status_change
        from billing.collections.replies import on_customer_reply
        from billing.services.delivery_summary import record_message_status
        from billing.services.whatsapp import record_opt_out
        from billing.webhooks.receivers import record_message_event
        from notifications.hooks import (
            customer_replied,
            message_status_changed,
            recipient_opted_out,
        )

        recipient_opted_out.connect(record_opt_out, dispatch_uid="billing.record_opt_out")
        message_status_changed.connect(
            record_message_status, dispatch_uid="billing.record_message_status"
        )
        message_status_changed.connect(on_status_change, dispatch_uid="billing.fallback")
        customer_replied.connect(on_customer_reply, dispatch_uid="billing.customer_reply")
        message_status_changed.connect(
            record_message_event, dispatch_uid="billing.webhooks.record_message_event"
        )
        post_migrate.connect(sync_role_groups, sender=self, dispatch_uid="billing.role_groups")


def sync_role_groups(using: str = "default", **kwargs) -> None:
    """After every migrate (billing's permissions exist by then): the role groups match the code."""
    from billing.services.roles import role_groups_sync

    role_groups_sync(using=using)
