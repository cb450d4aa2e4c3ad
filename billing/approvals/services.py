"""Approval requests: asked for by a clerk, decided by someone else; the one door of their
status."""

from django.db import transaction
from django.utils import timezone

from billing.approvals.policy import needs_approval, rendered_messages
from billing.errors import BillingError
from billing.models import ApprovalEvent, ApprovalRequest, Invoice
from billing.services.actors import Actor
from billing.services.invoices import invoice_finalize
from billing.services.roles import role_authorize

Status = ApprovalRequest.Status
TRANSITIONS = {Status.PENDING: {Status.APPROVED, Status.REJECTED}}


class ApprovalRefused(BillingError):
    """The decision cannot be taken: decided already, or by the person who asked."""

    status_code = 409


def _transition(approval: ApprovalRequest, to: str, *, actor: Actor, note: str = "") -> None:
    """The only place that assigns ``ApprovalRequest.status``."""
    if to not in TRANSITIONS.get(approval.status, set()):
        raise ApprovalRefused(f"This request is {approval.get_status_display().lower()} already.")
    ApprovalEvent.objects.create(
        request=approval,
        from_status=approval.status,
        to_status=to,
        actor_label=actor.label,
        note=note,
    )
    approval.status = to
    approval.decided_by, approval.decided_at = actor.user, timezone.now()
    approval.save(update_fields=["status", "decided_by", "decided_at", "reason"])


@transaction.atomic
def invoice_finalize_or_request(*, invoice: Invoice, actor: Actor) -> Invoice | ApprovalRequest:
    """Finalize, or, when the organization wants a second person for it, ask for approval
    (the invoice stays a draft). Asking twice returns the pending request."""
    if not needs_approval(invoice=invoice, actor=actor):
        return invoice_finalize(invoice=invoice, actor=actor)
    role_authorize(actor=actor, organization_id=invoice.organization_id, action="finalize")
    pending = ApprovalRequest.objects.filter(
        invoice=invoice, action=ApprovalRequest.Action.FINALIZE, status=Status.PENDING
    ).first()
    if pending is not None:
        return pending
    approval = ApprovalRequest.objects.create(
        organization=invoice.organization,
        invoice=invoice,
        action=ApprovalRequest.Action.FINALIZE,
        amount=invoice.total,
        currency=invoice.currency,
        rendered=rendered_messages(invoice),
        requested_by=actor.user,
    )
    ApprovalEvent.objects.create(
        request=approval, to_status=Status.PENDING, actor_label=actor.label, note="asked"
    )
    return approval


def _decidable(approval: ApprovalRequest, actor: Actor) -> ApprovalRequest:
    role_authorize(actor=actor, organization_id=approval.organization_id, action="approve")
    approval = ApprovalRequest.objects.select_for_update().get(pk=approval.pk)
    if actor.user is not None and actor.user.pk == approval.requested_by_id:
        raise ApprovalRefused("You asked for this: another approver has to decide.")
    return approval


@transaction.atomic
def approval_approve(*, approval: ApprovalRequest, actor: Actor) -> ApprovalRequest:
    """Approve and perform the action, in one transaction: both happen or neither."""
    approval = _decidable(approval, actor)
    _transition(approval, Status.APPROVED, actor=actor)
    approval.invoice = invoice_finalize(invoice=approval.invoice, actor=actor)
    return approval


@transaction.atomic
def approval_reject(*, approval: ApprovalRequest, actor: Actor, reason: str) -> ApprovalRequest:
    """Reject with a reason; the invoice stays as it was (a draft)."""
    if not reason.strip():
        raise ApprovalRefused("Say why the request is rejected.")
    approval = _decidable(approval, actor)
    approval.reason = reason.strip()
    _transition(approval, Status.REJECTED, actor=actor, note=approval.reason)
    return approval
