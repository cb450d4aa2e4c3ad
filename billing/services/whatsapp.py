"""Billing's side of WhatsApp invoice notifications.

Billing decides whether and to whom (consent, opt-out, the customer's channel preference) and
supplies the template's context; ``notifications`` renders, sends and tracks. Opt-outs received
by notifications come back through ``notifications.hooks.recipient_opted_out``.
"""

from collections.abc import Iterable

from babel.dates import format_date
from django.db import transaction

from billing.errors import IllegalTransition
from billing.models import Customer, Invoice
from billing.money import _babel_locale, format_amount
from billing.services.actors import Actor
from billing.services.roles import role_authorize
from notifications import pipeline
from notifications.channels import get_backend
from notifications.channels.base import SendRefused

WHATSAPP = "whatsapp"
PURPOSE = "invoice_issued"
DRAFT_NOT_SENDABLE = "Draft invoices cannot be sent: finalize the invoice first"


def invoice_context(invoice: Invoice) -> dict[str, str]:
    """The template's fields, formatted for the customer with the one money helper:
    ``49,900.00 RUB``, ``July 15, 2026``."""
    locale = invoice.customer.locale or invoice.organization.locale
    return {
        "customer_name": invoice.customer.name,
        "invoice_number": invoice.number or "",
        "amount_due": format_amount(invoice.amount_due, invoice.currency, locale),
        "due_date": format_date(invoice.due_date, format="long", locale=_babel_locale(locale)),
        "locale": locale,
    }


def consent_refusal(customer: Customer) -> SendRefused | None:
    if not customer.phone:
        return SendRefused("no_phone", "The customer has no phone number.")
    if customer.whatsapp_opted_in_at is None:
        return SendRefused("no_consent", "The customer has not opted in to WhatsApp messages.")
    if not customer.whatsapp_consent:
        return SendRefused("opted_out", "The customer has opted out of WhatsApp messages.")
    return None


def recipient_refusal(
    *, channel: str, tenant_id, recipient: str, subject: pipeline.SubjectRef | None
) -> None:
    """The recipient policy notifications asks before creating and before sending (settings)."""
    if channel != WHATSAPP or subject is None or subject.model is not Invoice:
        return
    # The invoice's customer in one query; a deleted invoice has no one left to ask.
    customer = next(iter(Customer.objects.filter(invoices__pk=subject.pk)), None)
    refusal = consent_refusal(customer) if customer is not None else None
    if refusal is not None:
        raise refusal


def invoice_send_whatsapp(*, invoice: Invoice, actor: Actor) -> pipeline.SendRequested:
    """Ask for the invoice's WhatsApp notification; a second request returns the same message.
    A draft is refused, as by the e-mail service: nothing is sent before its issue day exists
    (the funnel counts deliveries on it)."""
    role_authorize(actor=actor, organization_id=invoice.organization_id, action="send")
    if invoice.status == Invoice.Status.DRAFT:
        raise IllegalTransition(DRAFT_NOT_SENDABLE)
    return pipeline.request_send(
        tenant_id=invoice.organization_id,
        subject=invoice,
        purpose=PURPOSE,
        channel=WHATSAPP,
        recipient=str(invoice.customer.phone or ""),
        context=invoice_context(invoice),
        created_by=actor.label,
    )


def whatsapp_preview(invoice: Invoice) -> dict[str, str]:
    """Exactly what the customer would read (text, button), or why it cannot be sent."""
    backend = get_backend(WHATSAPP, invoice.organization_id)
    try:
        prepared = backend.prepare(
            purpose=PURPOSE,
            recipient=str(invoice.customer.phone or ""),
            context=invoice_context(invoice),
        )
    except SendRefused as exc:
        return {"error": exc.text}
    refusal = consent_refusal(invoice.customer)
    preview = dict(prepared.payload["preview"])
    preview["warning"] = refusal.text if refusal else ""
    return preview


def record_opt_out(*, channel: str, recipient: str, tenant_id, occurred_at, **_) -> int:
    """Receiver of ``recipient_opted_out``: the customer(s) with that number stop getting
    WhatsApp messages. The shared default channel has no tenant: every organization honours it."""
    if channel != WHATSAPP:
        return 0
    customers = Customer.objects.filter(phone=recipient).select_related("organization")
    if tenant_id:
        customers = customers.filter(organization_id=tenant_id)
    with transaction.atomic():
        changed = list(customers.select_for_update(of=("self",)))
        for customer in changed:
            customer.whatsapp_opted_out_at = occurred_at
            customer.save(update_fields=["whatsapp_opted_out_at"])
            customer_opted_out_event(customer=customer)
        return len(changed)


def customer_opted_out_event(*, customer: Customer) -> None:
    from billing.api.serializers.customers import CustomerSerializer
    from billing.webhooks.events import event_raise

    event_raise(
        organization=customer.organization,
        type="customer.opted_out",
        customer=CustomerSerializer(customer).data,
    )


def messages_for(invoices: Iterable[Invoice]):
    return messages_about([invoice.pk for invoice in invoices])


def messages_about(invoice_ids: Iterable):
    from django.contrib.contenttypes.models import ContentType

    from notifications.models import Message

    return Message.objects.filter(
        subject_type=ContentType.objects.get_for_model(Invoice),
        subject_id__in=[str(pk) for pk in invoice_ids],
    )
