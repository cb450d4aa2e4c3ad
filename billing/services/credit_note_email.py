"""Credit-note e-mails: the credit note's PDF to the invoice's addresses, sent once.

The same road as an invoice e-mail: billing builds the data from the credit note's document
(the PDF's builder, so amounts are the one money format in the customer's locale), the
``credit_note`` template validates and renders it, and the pipeline sends it with its retries
and timeline. "Send once" is the pipeline's active-message unique index on the credit note: a
second request, a double click or a retried API call returns the message already asked for; a
failed one is retried from the delivery log.
"""

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from billing import credit_note_pdf
from billing.errors import InvalidEmailRequest
from billing.models import CreditNote
from billing.models.choices import Channel
from billing.services.actors import Actor
from billing.services.invoice_email import (
    check_template_data,
    customer_addresses,
    default_template,
)
from billing.services.roles import role_authorize
from notifications import pipeline
from notifications.templating.errors import InvalidTemplateData
from notifications.templating.registry import resolve
from notifications.templating.render import prepare, render_email

TEMPLATE_KEY = "credit_note"
PURPOSE = "credit_note_issued"
ATTACHMENT_KIND = "credit_note_pdf"


def _note(note: CreditNote) -> CreditNote:
    return CreditNote.objects.select_related(
        "invoice", "invoice__organization", "invoice__customer"
    ).get(pk=note.pk)


def template_data(note: CreditNote, doc: credit_note_pdf.CreditNoteDocument) -> dict[str, Any]:
    """Data for the ``credit_note`` template: every amount already formatted for the customer
    (the PDF's document); the parts of the split that are zero are left out."""
    totals = {"amount": doc.amount, "amountDue": doc.amount_due}
    for key, text, minor in (
        ("offAmountDue", doc.pre_payment_amount, note.pre_payment_amount),
        ("refunded", doc.refund_amount, note.refund_amount),
        ("leftAsCredit", doc.credit_amount, note.credit_amount),
    ):
        if minor:
            totals[key] = text
    return {
        "creditNoteNumber": doc.number,
        "invoiceNumber": doc.invoice_number,
        "customerName": doc.customer_name,
        "organization": doc.organization,
        "issueDate": doc.issue_date,
        "reason": doc.reason,
        # A credit of an amount is one line named by the memo: said once, not twice.
        "memo": "" if any(line.description == doc.memo for line in doc.lines) else doc.memo,
        "creditNote": {
            "lines": [
                {"quantity": line.quantity, "description": line.description, "amount": line.amount}
                for line in doc.lines
            ]
        },
        "totals": totals,
        "subject": f"Credit note {doc.number} from {doc.organization}",
        "preheader": f"{doc.amount} credited on invoice {doc.invoice_number}",
    }


def email_context(note: CreditNote) -> tuple[list[str], dict[str, Any]]:
    """(recipients, context for the e-mail channel): the invoice's addresses, the sender of the
    organization's default template, the credit note's PDF attached."""
    invoice = note.invoice
    to = customer_addresses(invoice)
    sender = default_template(invoice)
    context = {
        "template": TEMPLATE_KEY,
        "data": template_data(note, credit_note_pdf.build(note)),
        "to": to,
        "cc": [],
        "reply_to": [sender.reply_to] if sender.reply_to else [],
        "from_name": sender.sender_name,
        # Always attached: a credit note has no hosted page, the PDF is the document.
        "attachments": [
            {
                "kind": ATTACHMENT_KIND,
                "ref": str(note.pk),
                "filename": credit_note_pdf.credit_note_filename(note),
            }
        ],
    }
    return to, context


@transaction.atomic
def credit_note_send_email(*, note: CreditNote, actor: Actor) -> pipeline.SendRequested:
    """E-mail the credit note to the customer, once: asking again returns the same message."""
    role_authorize(actor=actor, organization_id=note.organization_id, action="send")
    note = _note(note)
    # The unique index makes the send once; this only spares building an e-mail to drop (and
    # answers with the message even if the customer's address has gone since).
    existing = credit_note_message(note)
    if existing is not None:
        return pipeline.SendRequested(existing, created=False)
    to, context = email_context(note)
    check_template_data(context)
    return pipeline.request_send(
        tenant_id=note.organization_id,
        subject=note,
        purpose=PURPOSE,
        channel=Channel.EMAIL,
        recipient=to[0],
        context=context,
        created_by=actor.label,
    )


@dataclass(frozen=True)
class CreditNoteEmailPreview:
    """The e-mail as it would go out now, or every reason it cannot."""

    subject: str = ""
    html: str = ""
    text: str = ""
    to: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()


def credit_note_email_preview(*, note: CreditNote) -> CreditNoteEmailPreview:
    try:
        to, context = email_context(_note(note))
        version = resolve(context["template"])
        rendered = render_email(version, prepare(version, context["data"]))
    except (InvalidEmailRequest, InvalidTemplateData) as exc:
        return CreditNoteEmailPreview(problems=tuple(exc.messages))
    return CreditNoteEmailPreview(
        subject=rendered.subject, html=rendered.html, text=rendered.text, to=tuple(to)
    )


def credit_note_message(note: CreditNote):
    """The credit note's e-mail in the delivery log (the active one), or None."""
    return pipeline.active_message(note, PURPOSE, Channel.EMAIL)
