"""What a reminder says, on each channel: the amount due now (after partial payments), the due
date and how far it is, and the pay link; formatted in the customer's locale."""

from datetime import date

from babel.dates import format_date
from django.contrib.contenttypes.models import ContentType

from billing import documents
from billing.errors import InvalidEmailRequest
from billing.models import Invoice
from billing.models.choices import Channel
from billing.money import _babel_locale, format_amount
from billing.services.invoice_email import customer_addresses

EMAIL_TEMPLATE = "invoice_reminder"
NO_LINK = "contact us for payment details"


def due_note(due_date: date, today: date) -> str:
    days = (today - due_date).days
    if days == 0:
        return "It is due today."
    plural = "day" if abs(days) == 1 else "days"
    return f"It is overdue by {days} {plural}." if days > 0 else f"It is due in {-days} {plural}."


def reminder_fields(invoice: Invoice, today: date) -> dict[str, str]:
    locale = invoice.customer.locale or invoice.organization.locale
    return {
        "customer_name": invoice.customer.name,
        "invoice_number": invoice.number or "",
        "amount_due": format_amount(invoice.amount_due, invoice.currency, locale),
        "due_date": format_date(invoice.due_date, format="long", locale=_babel_locale(locale)),
        "due_note": due_note(invoice.due_date, today),
        "pay_url": documents.pay_url(invoice) if invoice.payment_link else "",
        "locale": locale,
    }


def recipient_and_context(invoice: Invoice, channel: str, today: date) -> tuple[str, dict]:
    fields = reminder_fields(invoice, today)
    if channel == Channel.WHATSAPP:
        return str(invoice.customer.phone or ""), fields | {"pay_url": fields["pay_url"] or NO_LINK}
    try:
        to = customer_addresses(invoice)
    except InvalidEmailRequest:
        to = []
    data = {
        "customerName": fields["customer_name"],
        "invoiceNumber": fields["invoice_number"],
        "amountDue": fields["amount_due"],
        "dueDate": fields["due_date"],
        "dueNote": fields["due_note"],
    }
    if fields["pay_url"]:
        data["actionButton"] = {"url": fields["pay_url"]}
    context = {
        "template": EMAIL_TEMPLATE,
        "data": data,
        "to": to,
        "tracked_urls": [fields["pay_url"]] if fields["pay_url"] else [],
    }
    return (to[0] if to else ""), context


def invoice_subject_type() -> ContentType:
    return ContentType.objects.get_for_model(Invoice)
