"""Approval requests: asked for by a clerk, decided by someone else; the one door of their
status."""

from dataclasses import asdict

from django.db import transaction
from django.utils import timezone

from billing.approvals.policy import (
    needs_approval,
    rendered_email_send,
    rendered_messages,
    rendered_whatsapp_send,
)
from billing.errors import BillingError
from billing.models import ApprovalEvent, ApprovalRequest, Invoice
from billing.services.actors import Actor
from billing.services.invoice_email import SendInvoiceEmail, invoice_send_email
from billing.services.invoices import invoice_finalize
from billing.services.roles import role_authorize
from billing.services.whatsapp import invoice_send_whatsapp
from notifications.pipeline import SendRequested

Action, Status = ApprovalRequest.Action, ApprovalRequest.Status
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


def _ask(
    *, invoice: Invoice, actor: Actor, action: str, rendered, send_request=None
) -> ApprovalRequest:
    """The pending request for this action, created on the first ask; ``rendered`` is only
    called then."""
    pending = ApprovalRequest.objects.filter(
        invoice=invoice, action=action, status=Status.PENDING
    ).first()
    if pending is not None:
        return pending
    approval = ApprovalRequest.objects.create(
        organization=invoice.organization,
        invoice=invoice,
        action=action,
        amount=invoice.total,
        currency=invoice.currency,
        rendered=rendered(),
        send_request=send_request or {},
        requested_by=actor.user,
    )
    ApprovalEvent.objects.create(
        request=approval, to_status=Status.PENDING, actor_label=actor.label, note="asked"
    )
    return approval


def _or_request(*, invoice: Invoice, actor: Actor, action: str, perform, rendered):
    """``perform()`` now, or, when the organization wants a second person for it, the pending
    approval request (created on the first ask, with what ``rendered()`` shows the approver)."""
    if not needs_approval(invoice=invoice, actor=actor):
        return perform()
    role = "finalize" if action == Action.FINALIZE else "send"
    role_authorize(actor=actor, organization_id=invoice.organization_id, action=role)
    return _ask(invoice=invoice, actor=actor, action=action, rendered=rendered)


@transaction.atomic
def invoice_finalize_or_request(*, invoice: Invoice, actor: Actor) -> Invoice | ApprovalRequest:
    """Finalize, or ask for approval (the invoice stays a draft). Asking twice returns the
    pending request."""
    return _or_request(
        invoice=invoice,
        actor=actor,
        action=Action.FINALIZE,
        perform=lambda: invoice_finalize(invoice=invoice, actor=actor),
        rendered=lambda: rendered_messages(invoice),
    )


@transaction.atomic
def invoice_send_whatsapp_or_request(
    *, invoice: Invoice, actor: Actor
) -> SendRequested | ApprovalRequest:
    """Send on WhatsApp, or ask for approval with the message as it would go out."""
    return _or_request(
        invoice=invoice,
        actor=actor,
        action=Action.SEND_WHATSAPP,
        perform=lambda: invoice_send_whatsapp(invoice=invoice, actor=actor),
        rendered=lambda: rendered_whatsapp_send(invoice),
    )


@transaction.atomic
def invoice_send_email_or_request(
    *, invoice: Invoice, actor: Actor, request: SendInvoiceEmail
) -> SendRequested | ApprovalRequest:
    """E-mail the invoice, or ask for approval keeping the asker's own request (sender,
    recipients, copy, subject, body) and the e-mail rendered from it. A request that could not
    be sent (invalid address, template data) is refused now, as the send would refuse it."""
    if not needs_approval(invoice=invoice, actor=actor):
        return invoice_send_email(invoice=invoice, actor=actor, request=request)
    role_authorize(actor=actor, organization_id=invoice.organization_id, action="send")
    rendered = rendered_email_send(invoice=invoice, actor=actor, request=request)
    if rendered["email"]["problems"]:
        raise ApprovalRefused(" ".join(rendered["email"]["problems"]))
    return _ask(
        invoice=invoice,
        actor=actor,
        action=Action.SEND_EMAIL,
        rendered=lambda: rendered,
        send_request=asdict(request),
    )


def _perform(approval: ApprovalRequest, actor: Actor) -> None:
    """The approved action, through the same service the asker's button calls."""
    invoice = approval.invoice
    if approval.action == Action.FINALIZE:
        approval.invoice = invoice_finalize(invoice=invoice, actor=actor)
    elif approval.action == Action.SEND_WHATSAPP:
        invoice_send_whatsapp(invoice=invoice, actor=actor)
    else:
        # ccMe copies whoever asked, as the approver was shown; the approver is the actor
        # of record.
        asker = Actor(user=approval.requested_by, label=actor.label)
        request = SendInvoiceEmail(**approval.send_request)
        invoice_send_email(invoice=invoice, actor=asker, request=request)


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
    _perform(approval, actor)
    return approval


@transaction.atomic
def approval_reject(*, approval: ApprovalRequest, actor: Actor, reason: str) -> ApprovalRequest:
    """Reject with a reason; nothing is finalized or sent."""
    if not reason.strip():
        raise ApprovalRefused("Say why the request is rejected.")
    approval = _decidable(approval, actor)
    approval.reason = reason.strip()
    _transition(approval, Status.REJECTED, actor=actor, note=approval.reason)
    return approval
