from billing.models import CreditNote, Invoice
from billing.services.actors import Actor
from billing.services.roles import role_authorize
from notifications import pipeline
from notifications.models import Message

# the pipeline's resend actions → the role actions that allow them
RESEND_ACTIONS = {"retry": "retry", "resend": "resend_anyway"}


def message_resend(*, message: Message, action: str, actor: Actor, reason: str = "") -> Message:
    """A person's retry or "resend anyway" of a message: their role first, then the pipeline."""
    role_authorize(actor=actor, organization_id=message.tenant_id, action=RESEND_ACTIONS[action])
    return pipeline.message_resend(
        message_id=message.pk, action=action, actor=actor.label, reason=reason
    )


def message_labels(subject) -> pipeline.Labels | None:
    """The delivery log's words for a message about an invoice (``NOTIFICATIONS_SUBJECT_LABELS``):
    its number and its customer, as they are when the message is asked for. A credit note is
    named by its own number (the log links it to its page, which shows its invoice)."""
    if isinstance(subject, CreditNote):
        customer = subject.invoice.customer
    elif isinstance(subject, Invoice):
        customer = subject.customer
    else:
        return None
    return pipeline.Labels(
        subject=subject.number or "", recipient_ref=str(customer.pk), recipient_name=customer.name
    )
