"""The boundary through which other apps learn what happened to a message.

``message_status_changed`` is sent after commit, once per applied status change, with
``message_id`` and ``status``. Billing subscribes to it (in its AppConfig.ready) to keep invoices
in step with their deliveries; notifications never imports billing.
"""

from django.dispatch import Signal

message_status_changed = Signal()
