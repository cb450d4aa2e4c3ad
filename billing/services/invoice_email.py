"""Invoice e-mails with SendInvoice semantics: tokens, the organization's default template,
sender, recipients, ccMe, and new contacts for new addresses.

Billing decides what the e-mail says and to whom; ``notifications`` validates it against the
``invoice`` template schema, renders it and delivers it.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from billing import documents
from billing.errors import DeliveryInProgress, IllegalTransition, InvalidEmailRequest
from billing.models import Customer, CustomerContact, Invoice, Organization
from billing.models.choices import Channel
from billing.pdf import pdf_filename
from billing.services.actors import SYSTEM, Actor
from billing.services.delivery import DRAFT_NOT_SENDABLE
from billing.services.roles import role_authorize
from notifications import pipeline
from notifications.explicit_send import SendInFlight, request_explicit_send
from notifications.models import DefaultEmailTemplate
from notifications.templating.errors import InvalidTemplateData
from notifications.templating.registry import resolve
from notifications.templating.render import prepare, render_email

TEMPLATE_KEY = "invoice"
PURPOSE = "invoice_issued"
TEST_PURPOSE = "test"
BUILTIN_SUBJECT = "Invoice {:Invoice.Number:} from {organization}"
BUILTIN_BODY = (
    "Hello {:Customer.Name:},\n\n"
    "Invoice {:Invoice.Number:} for {:Invoice.AmountDue:} is due on {:Invoice.DueDate:}.\n"
    "You can see it and pay online here: {:Link_Pay_Invoice:}\n\n"
    "Thank you."
)


@dataclass(frozen=True)
class SendInvoiceEmail:
    """The ``email`` part of a send request (SendInvoice's ``headers`` + ``content``)."""

    from_user_id: Any = None
    to_email_addresses: Sequence[str] | None = None
    cc_me: bool = False
    subject: str | None = None
    body: str | None = None


@dataclass(frozen=True)
class Sender:
    name: str
    reply_to: str


def default_template(invoice: Invoice) -> DefaultEmailTemplate:
    """The organization's default e-mail template, or the built-in one (unsaved)."""
    org = invoice.organization
    found = DefaultEmailTemplate.objects.filter(tenant_id=org.pk).first()
    if found is not None:
        return found
    return DefaultEmailTemplate(
        tenant_id=org.pk,
        sender_name=org.name,
        subject=BUILTIN_SUBJECT.replace("{organization}", org.name),
        body=BUILTIN_BODY,
    )


def token_values(invoice: Invoice, doc: documents.InvoiceDocument) -> dict[str, str]:
    return {
        "{:Customer.Name:}": invoice.customer.name,
        "{:Invoice.Number:}": doc.number,
        "{:Invoice.AmountDue:}": doc.amount_due,
        "{:Invoice.DueDate:}": doc.due_date,
        "{:Link_Pay_Invoice:}": doc.pay_url,
    }


def replace_tokens(text: str, values: dict[str, str]) -> str:
    for token, value in values.items():
        text = text.replace(token, value)
    return text


def _subject_and_body(request: SendInvoiceEmail, template: DefaultEmailTemplate):
    subject, body = request.subject or "", request.body or ""
    if bool(subject) != bool(body):
        raise InvalidEmailRequest(
            "subject and body must be given together (or neither, for the default template)"
        )
    return (subject, body) if subject else (template.subject, template.body)


UNKNOWN_SENDER = (
    "fromUserId must name an active staff member of your organization with an e-mail address"
)
MAX_USER_PK = 2**63 - 1


def _sender(
    request: SendInvoiceEmail, template: DefaultEmailTemplate, organization: Organization
) -> Sender:
    """The staff user a request names, only if they belong to the invoice's organization.

    Every refusal (malformed id, no such user, inactive, another organization's, no address)
    is the same sentence, so a caller learns nothing about users outside its organization.
    """
    if request.from_user_id in (None, ""):
        return Sender(name=template.sender_name, reply_to=template.reply_to)
    pk = _user_pk(request.from_user_id)
    user = (
        get_user_model()
        .objects.filter(
            pk=pk, is_active=True, is_staff=True, memberships__organization=organization
        )
        .exclude(email="")
        .first()
        if pk is not None
        else None
    )
    if user is None:
        raise InvalidEmailRequest(UNKNOWN_SENDER)
    return Sender(name=user.get_full_name() or user.get_username(), reply_to=user.email)


def _user_pk(value: Any) -> int | None:
    """A primary key as the request spells it (digits only), or None when it cannot be one."""
    text = str(value)
    if isinstance(value, bool) or not text.isascii() or not text.isdigit():
        return None
    pk = int(text)
    return pk if 0 < pk <= MAX_USER_PK else None


def _valid(addresses: Iterable[str]) -> list[str]:
    result, seen = [], set()
    for address in addresses:
        address = str(address).strip()
        try:
            validate_email(address)
        except ValidationError as exc:
            raise InvalidEmailRequest(f"'{address}' is not a valid e-mail address") from exc
        if address.lower() not in seen:
            seen.add(address.lower())
            result.append(address)
    return result


def customer_addresses(invoice: Invoice) -> list[str]:
    """The invoice's address, the customer's, then the customer's contacts."""
    contacts = invoice.customer.contacts.values_list("email", flat=True)
    found = [a for a in (invoice.email, invoice.customer.email, *contacts) if a]
    if not found:
        raise InvalidEmailRequest("The customer has no e-mail address")
    return _valid(found)


def add_missing_contacts(customer: Customer, addresses: Iterable[str]) -> list[CustomerContact]:
    """Each address the customer does not know yet becomes a new contact of the customer."""
    known = {customer.email.lower()} | {
        e.lower() for e in customer.contacts.values_list("email", flat=True)
    }
    created = []
    for address in addresses:
        if address.lower() not in known:
            contact, new = CustomerContact.objects.get_or_create(customer=customer, email=address)
            known.add(address.lower())
            if new:
                created.append(contact)
    return created


def template_data(
    invoice: Invoice, doc: documents.InvoiceDocument, *, subject: str, intro: str
) -> dict[str, Any]:
    """Data for the ``invoice`` template, formatted for the customer's locale."""
    data: dict[str, Any] = {
        "invoiceNumber": doc.number,
        "invoice": {
            "organization": doc.organization,
            "items": [
                {
                    "quantity": line.quantity,
                    "code": line.code,
                    "description": line.description,
                    "amount": line.amount,
                }
                for line in doc.lines
            ],
            "totals": {
                "subtotal": doc.subtotal,
                "tax": doc.tax,
                "total": doc.total,
                "amountPaid": doc.amount_paid if invoice.amount_paid else "",
                "amountDue": doc.amount_due,
            },
            "dueDate": doc.due_date,
        },
        "subject": subject,
        "intro": intro,
        "preheader": f"{doc.amount_due} due on {doc.due_date}",
    }
    if doc.pay_url:
        data["actionButton"] = {"label": "View and pay invoice", "url": doc.pay_url}
    return data


def email_context(
    invoice: Invoice, request: SendInvoiceEmail, *, actor: Actor
) -> tuple[list[str], dict[str, Any]]:
    """(recipients, context for the e-mail channel) for one SendInvoice request."""
    template = default_template(invoice)
    subject, body = _subject_and_body(request, template)
    sender = _sender(request, template, invoice.organization)
    to = _valid(request.to_email_addresses) if request.to_email_addresses else None
    doc = documents.build(invoice)
    values = token_values(invoice, doc)
    cc = [_cc_address(actor, sender)] if request.cc_me else []
    context = {
        "template": TEMPLATE_KEY,
        "data": template_data(
            invoice,
            doc,
            subject=replace_tokens(subject, values),
            intro=replace_tokens(body, values),
        ),
        "to": to or customer_addresses(invoice),
        "cc": cc,
        "reply_to": [sender.reply_to],
        "from_name": sender.name,
        "attachments": _attachments(invoice),
        "tracked_urls": [doc.pay_url] if doc.pay_url else [],
    }
    return context["to"], context


def _cc_address(actor: Actor, sender: Sender) -> str:
    """ccMe copies whoever made the request; an API call (no user) copies the sender."""
    user_email = getattr(actor.user, "email", "") if actor.user is not None else ""
    return user_email or sender.reply_to


def _attachments(invoice: Invoice) -> list[dict[str, str]]:
    if not invoice.organization.attach_pdf:
        return []
    return [{"kind": "invoice_pdf", "ref": str(invoice.pk), "filename": pdf_filename(invoice)}]


def check_template_data(context: dict[str, Any]) -> None:
    """Raise ``InvalidTemplateData`` with every problem before anything is created."""
    prepare(resolve(context["template"], context.get("version")), context["data"])


def _sendable(invoice: Invoice) -> Invoice:
    invoice = Invoice.objects.select_related("organization", "customer", "wallet").get(
        pk=invoice.pk
    )
    if invoice.status == Invoice.Status.DRAFT:
        raise IllegalTransition(DRAFT_NOT_SENDABLE)
    return invoice


def explicit_send(**kwargs) -> pipeline.SendRequested:
    """``request_explicit_send`` for an invoice e-mail. A different e-mail still on its way is
    refused (409): returning it would drop the new content, superseding it could send both."""
    try:
        return request_explicit_send(**kwargs)
    except SendInFlight as exc:
        raise DeliveryInProgress(
            f"E-mail {exc.message.pk} of this invoice is still {exc.message.status}: "
            "send again once it has gone out"
        ) from exc


@transaction.atomic
def invoice_send_email(
    *, invoice: Invoice, actor: Actor, request: SendInvoiceEmail | None = None
) -> pipeline.SendRequested:
    """SendInvoice: e-mail the invoice now, superseding an earlier settled e-mail of it."""
    role_authorize(actor=actor, organization_id=invoice.organization_id, action="send")
    invoice = _sendable(invoice)
    request = request or SendInvoiceEmail()
    to, context = email_context(invoice, request, actor=actor)
    check_template_data(context)
    if request.to_email_addresses:
        add_missing_contacts(invoice.customer, to)
    return explicit_send(
        tenant_id=invoice.organization_id,
        subject=invoice,
        purpose=PURPOSE,
        channel=Channel.EMAIL,
        recipient=to[0],
        context=context,
        created_by=actor.label,
    )


def invoice_email_on_open(invoice: Invoice) -> None:
    """Called in the transaction that makes the invoice OPEN: the message row is inserted with
    it (once, by the active-message unique index) and queued when it commits. A problem (no
    address, invalid data) is recorded as a rejected message instead of blocking the invoice.
    """
    try:
        to, context = email_context(invoice, SendInvoiceEmail(), actor=SYSTEM)
    except InvalidEmailRequest:
        to, context = [""], {"template": TEMPLATE_KEY, "data": {}, "to": []}
    pipeline.request_send(
        tenant_id=invoice.organization_id,
        subject=invoice,
        purpose=PURPOSE,
        channel=Channel.EMAIL,
        recipient=to[0],
        context=context,
        created_by=SYSTEM.label,
    )


@dataclass(frozen=True)
class EmailPreview:
    """The e-mail exactly as it would be sent now, or every reason it cannot be."""

    subject: str = ""
    preheader: str = ""
    html: str = ""
    text: str = ""
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()


def invoice_email_preview(
    *, invoice: Invoice, actor: Actor, request: SendInvoiceEmail | None = None
) -> EmailPreview:
    try:
        to, context = email_context(invoice, request or SendInvoiceEmail(), actor=actor)
        version = resolve(context["template"], context.get("version"))
        rendered = render_email(version, prepare(version, context["data"]))
    except InvalidEmailRequest as exc:
        return EmailPreview(problems=tuple(exc.messages))
    except InvalidTemplateData as exc:
        return EmailPreview(problems=tuple(exc.messages))
    return EmailPreview(
        subject=rendered.subject,
        preheader=rendered.preheader,
        html=rendered.html,
        text=rendered.text,
        to=tuple(to),
        cc=tuple(context["cc"]),
    )


@transaction.atomic
def invoice_send_test_email(*, invoice: Invoice, actor: Actor, request: SendInvoiceEmail):
    """ "Send a test to me": the same e-mail, to the acting user only, logged as ``test``."""
    role_authorize(actor=actor, organization_id=invoice.organization_id, action="send")
    address = getattr(actor.user, "email", "") if actor.user is not None else ""
    if not address:
        raise InvalidEmailRequest("Your user has no e-mail address to send a test to")
    _, context = email_context(_sendable(invoice), request, actor=actor)
    check_template_data(context)
    context |= {"to": [address], "cc": []}
    return explicit_send(
        tenant_id=invoice.organization_id,
        subject=invoice,
        purpose=TEST_PURPOSE,
        channel=Channel.EMAIL,
        recipient=address,
        context=context,
        created_by=actor.label,
    )
