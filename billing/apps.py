from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from billing import checks  # noqa: F401 (registers the system checks)
        from billing.services.delivery_summary import record_message_status
        from billing.services.whatsapp import record_opt_out
        from billing.webhooks.receivers import record_message_event
        from notifications.hooks import message_status_changed, recipient_opted_out

        recipient_opted_out.connect(record_opt_out, dispatch_uid="billing.record_opt_out")
        message_status_changed.connect(
            record_message_status, dispatch_uid="billing.record_message_status"
        )
        message_status_changed.connect(
            record_message_event, dispatch_uid="billing.webhooks.record_message_event"
        )
