"""The boundary through which other apps learn what happened to a message.

``message_status_changed`` is sent after commit, once per applied status change, with
``message_id`` and ``status``. Billing subscribes to it (in its AppConfig.ready) to keep each
invoice's last delivery status per channel; notifications never imports billing.
"""

from django.dispatch import Signal

message_status_changed = Signal()

# Sent when a recipient asks to stop (an inbound "STOP" or one of the organization's opt-out
# words), with ``channel``, ``recipient`` (E.164), ``tenant_id`` (None for the shared default
# channel: the opt-out then applies in every organization) and ``occurred_at``. Billing records
# it on the customer; notifications keeps no consent state of its own.
recipient_opted_out = Signal()

# Sent after commit, once per new reply (deduplicated on the provider's reply id), with
# ``reply_id`` (our InboundReply pk), ``message_id`` (the message of ours it answers, or None),
# ``action`` (a quick-reply action such as "paid", or "" for typed text), ``text``, ``sender``
# and ``tenant_id``. Billing applies it to the invoice the message is about.
customer_replied = Signal()
