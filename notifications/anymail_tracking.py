"""With the optional ``anymail`` extra: its normalized tracking events move our e-mail messages.

Connected in ``NotificationsConfig.ready`` only when django-anymail is installed. Anymail
validates and parses each ESP's webhook; this receiver finds the message by the ESP's id (which
the e-mail channel stored as ``provider_message_id``) and applies the status through the door.
"""

import logging

from notifications import status as st
from notifications.logs import mask_email
from notifications.models import Message

logger = logging.getLogger(__name__)

# anymail event_type → our status; events that say nothing new about delivery are recorded only.
STATUS_FOR = {
    "sent": st.SENT,
    "delivered": st.DELIVERED,
    "opened": st.OPENED,
    "clicked": st.CLICKED,
    "bounced": st.BOUNCED,
    "rejected": st.FAILED,  # the ESP refused it: "rejected" is ours for refusals before sending
    "failed": st.FAILED,
    "complained": st.DELIVERED,  # a spam complaint proves delivery
    "unsubscribed": st.DELIVERED,
}


def on_tracking(sender, event, esp_name: str, **kwargs) -> bool:
    """Receiver of ``anymail.signals.tracking``; returns whether a status applied."""
    to = STATUS_FOR.get(event.event_type)
    message_id = (
        Message.objects.filter(channel="email", provider_message_id=event.message_id)
        .values_list("pk", flat=True)
        .first()
        if event.message_id
        else None
    )
    if message_id is None or to is None:
        logger.info(
            "anymail %s event %s for %s not applied (message %s)",
            esp_name,
            event.event_type,
            mask_email(event.recipient or ""),
            "unknown" if message_id is None else message_id,
        )
        return False
    detail = {
        "esp": esp_name,
        "event_type": event.event_type,
        "event_id": event.event_id,
        "reject_reason": event.reject_reason,
        "description": (event.description or "")[:300],
    }
    return st.transition(
        message_id, to, source="webhook", occurred_at=event.timestamp, detail=detail
    )
