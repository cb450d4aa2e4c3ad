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
