"""When a clerk's action waits for an approver, and what the approver will be shown."""

from copy import copy
from decimal import ROUND_CEILING, Decimal

from django.utils import timezone

from billing.models import Invoice, InvoiceSequence, Membership, Organization, Role
from billing.models.choices import Channel
from billing.money import to_minor
from billing.services.actors import SYSTEM, Actor
from billing.services.delivery import invoice_channels
from billing.services.invoice_email import SendInvoiceEmail, invoice_email_preview
from billing.services.numbering import format_number
from billing.services.whatsapp import whatsapp_preview


def approval_threshold(organization: Organization, currency: str) -> int | None:
    """The total (minor units) from which a clerk's finalize needs approval; None: never.

    With approvals on, a currency the organization set no threshold for always needs one:
    amounts are never converted behind the finance team's back."""
    amounts = organization.approval_amounts or {}
    if organization.approval_amount is None and not amounts:
        return None
    if currency in amounts:
        major = Decimal(str(amounts[currency]))
    elif currency == organization.default_currency and organization.approval_amount is not None:
        major = organization.approval_amount
    else:
        return 0
    return to_minor(major.quantize(Decimal(1), rounding=ROUND_CEILING), currency)


def needs_approval(*, invoice: Invoice, actor: Actor) -> bool:
    """A staff member below approver, finalizing or sending an invoice at or over the threshold.
    API credentials, the system and superusers are not subject to it."""
    user = actor.user
    if user is None or user.is_superuser:
        return False
    threshold = approval_threshold(invoice.organization, invoice.currency)
    if threshold is None or invoice.total < threshold:
        return False
    membership = Membership.objects.filter(user=user, organization=invoice.organization).first()
    return membership is None or not membership.has_role(Role.APPROVER)


def bulk_needs_approval(*, organization: Organization, actor: Actor, recipients: int) -> bool:
    """A staff member below approver sending to ``approval_recipients`` invoices or more at
    once (a bulk send); empty ``approval_recipients``: never."""
    user, least = actor.user, organization.approval_recipients
    if user is None or user.is_superuser or least is None or recipients < least:
        return False
    membership = Membership.objects.filter(user=user, organization=organization).first()
    return membership is None or not membership.has_role(Role.APPROVER)


def rendered_bulk_send(*, channel: str, invoices: list[Invoice], total: int) -> dict:
    """The first messages of a bulk send exactly as they would go out, and how many in all."""
    if channel == Channel.WHATSAPP:
        samples = [rendered_whatsapp_send(invoice) for invoice in invoices]
    else:
        samples = [
            rendered_email_send(invoice=invoice, actor=SYSTEM, request=SendInvoiceEmail())
            for invoice in invoices
        ]
    return {"channel": channel, "total": total, "samples": samples, "more": total - len(samples)}


def rendered_messages(invoice: Invoice) -> dict:
    """The WhatsApp and e-mail messages as finalizing now would send them, with the number the
    invoice would take now (it is only allocated on approval)."""
    provisional = copy(invoice)
    last = InvoiceSequence.objects.filter(organization=invoice.organization_id).values_list(
        "last_value", flat=True
    )
    provisional.number = format_number(
        invoice.organization, (last.first() or 0) + 1, timezone.now()
    )
    provisional.status = Invoice.Status.OPEN
    goes_out = invoice_channels(provisional).automatic
    email = invoice_email_preview(invoice=provisional, actor=SYSTEM)
    return {
        "number": provisional.number,
        "whatsapp": {**whatsapp_preview(provisional), "goes_out": Channel.WHATSAPP in goes_out},
        "email": {**_email_rendered(email), "goes_out": Channel.EMAIL in goes_out},
    }


def rendered_whatsapp_send(invoice: Invoice) -> dict:
    """The WhatsApp message "Send on WhatsApp" would send now (the only message shown)."""
    return {"number": invoice.number, "whatsapp": {**whatsapp_preview(invoice), "goes_out": True}}


def rendered_email_send(*, invoice: Invoice, actor: Actor, request: SendInvoiceEmail) -> dict:
    """The e-mail "E-mail invoice" would send now, with the asker's own subject, body,
    recipients and copy."""
    email = invoice_email_preview(invoice=invoice, actor=actor, request=request)
    return {"number": invoice.number, "email": {**_email_rendered(email), "goes_out": True}}


def _email_rendered(email) -> dict:
    return {
        "to": list(email.to),
        "cc": list(email.cc),
        "subject": email.subject,
        "preheader": email.preheader,
        "text": email.text,
        "html": email.html,
        "problems": list(email.problems),
    }
