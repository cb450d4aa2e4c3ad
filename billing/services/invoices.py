"""Invoice lifecycle: the only code that creates, prices, numbers and moves invoices.

``_transition`` is the one place that assigns ``Invoice.status``; every move is checked against
``TRANSITIONS`` and audited in the same transaction.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from billing import taxes
from billing.collections.plan import plan_on_open
from billing.errors import IllegalTransition, InvalidAmount, InvalidInvoice, NotEditable
from billing.models import Customer, Invoice, InvoiceEvent, InvoiceItem, Product, Tax, Wallet
from billing.models.catalog import rule_from_snapshot
from billing.models.choices import Channel
from billing.money import MAX_AMOUNT_MINOR, over_maximum, round_minor
from billing.reports import figures, funnel_days
from billing.services import draft_rules as rules
from billing.services.actors import Actor
from billing.services.delivery import invoice_channels
from billing.services.invoice_email import invoice_email_on_open
from billing.services.numbering import allocate_numbers
from billing.services.roles import role_authorize
from billing.services.whatsapp import invoice_send_whatsapp
from billing.webhooks.events import STATUS_EVENTS, EventSpec, event_raise, events_raise

Status = Invoice.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.OPEN}),
    Status.OPEN: frozenset({Status.PAID, Status.VOID, Status.UNCOLLECTIBLE}),
    # Only a payment reversal reopens a paid invoice (``mark_unpaid``).
    Status.PAID: frozenset({Status.OPEN}),
    Status.UNCOLLECTIBLE: frozenset({Status.PAID, Status.VOID}),
}
DRAFT_FIELDS = frozenset(
    {
        "name",
        "email",
        "address",
        "phone_number",
        "logo",
        "customer",
        "wallet",
        "tax",
        "currency",
        "due_date",
        "send_date",
        "supply_date",
        "payment_methods",
        "delivery",
        "payment_link",
        "partial_payment",
    }
)


@dataclass(frozen=True)
class ItemInput:
    product: Product
    quantity: Decimal


def can_transition(invoice: Invoice, to: str) -> bool:
    return to in TRANSITIONS.get(invoice.status, frozenset())


def _ensure_can(invoice: Invoice, to: str) -> None:
    if not can_transition(invoice, to):
        raise IllegalTransition(
            f"Invoice {invoice} is {invoice.get_status_display().lower()} "
            f"and cannot become {Status(to).label.lower()}."
        )


def _transition(
    invoice: Invoice, to: str, *, actor: Actor, note: str = "", fields: Sequence[str] = ()
) -> InvoiceEvent:
    """The only place that assigns ``Invoice.status``.

    A stored invoice is saved and its audit event and integrator event inserted here. An
    invoice not inserted yet (created and opened in one transaction) gets neither: its caller
    inserts the row and the returned event together, so the move costs no UPDATE.
    """
    _ensure_can(invoice, to)
    from_status, invoice.status = invoice.status, to
    event = _event(invoice, from_status, to, actor=actor, note=note)
    if not invoice._state.adding:
        invoice.save(update_fields=["status", "updated_at", *fields])
        event.save(force_insert=True)
        if Status.PAID in (from_status, to):  # the funnel counts PAID invoices
            funnel_days.invoice_moved(invoice, paid=1 if to == Status.PAID else -1)
        event_raise(organization=invoice.organization, type=STATUS_EVENTS[to], invoice=invoice)
    return event


def _event(
    invoice: Invoice, from_status: str, to: str, *, actor: Actor, note: str = ""
) -> InvoiceEvent:
    return InvoiceEvent(
        invoice=invoice,
        from_status=from_status,
        to_status=to,
        actor=actor.user,
        actor_label=actor.label[:100],
        note=note[:300],
    )


def audit_event(
    invoice: Invoice, from_status: str, to: str, *, actor: Actor, note: str = ""
) -> None:
    _event(invoice, from_status, to, actor=actor, note=note).save(force_insert=True)


def lock(invoice: Invoice) -> Invoice:
    """Re-read the invoice under a row lock (on SQLite the IMMEDIATE transaction serializes)."""
    return (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("organization", "customer", "wallet", "tax")
        .get(pk=invoice.pk)
    )


def line_amount(unit_price: int, quantity: Decimal) -> int:
    return round_minor(Decimal(unit_price) * quantity)


def compute_totals(
    lines: Sequence[tuple[int, Decimal]], tax_snapshot: dict | None, currency: str, mode: str
) -> taxes.Totals:
    """Totals for (unit price, quantity) lines; refuses lines and totals above the maximum and
    an inclusive fixed tax above the total."""
    amounts = [line_amount(price, qty) for price, qty in lines]
    totals = taxes.compute(amounts, rule_from_snapshot(tax_snapshot, currency), mode)
    _check_maximum(amounts, totals.total, currency)
    if any(line.net < 0 for line in totals.lines) or totals.subtotal < 0:
        raise InvalidInvoice("The included fixed tax is larger than the invoice amount")
    return totals


def invoice_check_lines(*, invoice: Invoice, lines: Sequence[tuple[int, Decimal]]) -> None:
    """Price (unit price, quantity) lines for ``invoice`` without keeping the result: raises what
    pricing would (the admin asks before it saves a draft's items)."""
    snapshot = invoice.tax.snapshot() if invoice.tax else None
    compute_totals(lines, snapshot, invoice.currency, invoice.organization.tax_rounding)


def _check_maximum(amounts: Sequence[int], total: int, currency: str) -> None:
    """One maximum for a line and the total, the one a payment has: every invoice stays payable."""
    fields = [f"items[{i}]" for i, amount in enumerate(amounts) if amount > MAX_AMOUNT_MINOR]
    if total > MAX_AMOUNT_MINOR:
        fields.append("total")
    if fields:
        raise InvalidAmount([f"{field}: {over_maximum(currency)}" for field in fields])


def _validate_items(organization, currency: str, items: Sequence[ItemInput]) -> None:
    errors = []
    if not items:
        errors.append("items should not be empty")
    errors.append(rules.item_count_problem(len(items)))
    for item in items:
        errors.append(
            rules.product_problem(item.product, organization_id=organization.pk, currency=currency)
        )
        if item.quantity <= 0:
            errors.append("quantity must be greater than 0")
    errors = [error for error in errors if error]
    if errors:
        raise InvalidInvoice(errors)


def _validate_refs(invoice: Invoice) -> None:
    for ref in (invoice.customer, invoice.wallet, invoice.tax):
        problem = rules.reference_problem(ref, invoice.organization_id)
        if problem:
            raise InvalidInvoice(problem)


def _new_items(invoice: Invoice, items: Sequence[ItemInput]) -> list[InvoiceItem]:
    return [
        InvoiceItem(
            invoice=invoice, product=item.product, position=position, quantity=item.quantity
        )
        for position, item in enumerate(items)
    ]


def _replace_items(invoice: Invoice, items: Sequence[ItemInput]) -> None:
    invoice.items.all().delete()
    InvoiceItem.objects.bulk_create(_new_items(invoice, items))


LINE_FIELDS = ["name", "unit_price", "amount", "net_amount", "tax_amount"]


def _line_values(item: InvoiceItem) -> tuple:
    return tuple(getattr(item, name) for name in LINE_FIELDS)


PRICED_FIELDS = ["subtotal", "tax_amount", "total", "tax_breakdown", "tax_snapshot"]


def _apply_totals(invoice: Invoice, items: Sequence[InvoiceItem]) -> list[str]:
    """Price ``items`` and ``invoice`` in memory from the catalogue and the current tax."""
    for item in items:
        item.name, item.unit_price = item.product.name, item.product.unit_price
    invoice.tax_snapshot = invoice.tax.snapshot() if invoice.tax else None
    totals = compute_totals(
        [(i.unit_price, i.quantity) for i in items],
        invoice.tax_snapshot,
        invoice.currency,
        invoice.organization.tax_rounding,
    )
    for item, line in zip(items, totals.lines, strict=True):
        item.amount, item.net_amount, item.tax_amount = line.amount, line.net, line.tax
    invoice.subtotal, invoice.tax_amount, invoice.total = totals.subtotal, totals.tax, totals.total
    invoice.tax_breakdown = totals.breakdown
    return PRICED_FIELDS


def invoice_price_unsaved(*, invoice: Invoice, items: Sequence[InvoiceItem]) -> None:
    """Price an invoice and its lines in memory exactly as saving does, writing nothing (the
    admin's live totals)."""
    _apply_totals(invoice, items)


def _price(invoice: Invoice, items: list[InvoiceItem] | None = None) -> list[str]:
    """Re-price a stored draft: names, unit prices and the tax follow the catalogue."""
    if items is None:
        items = list(invoice.items.select_related("product"))
    before = [_line_values(item) for item in items]
    fields = _apply_totals(invoice, items)
    # Only lines that changed: bulk_update's CASE expressions are costly.
    changed = [item for item, old in zip(items, before, strict=True) if _line_values(item) != old]
    if changed:
        InvoiceItem.objects.bulk_update(changed, LINE_FIELDS)
    return fields


@dataclass
class NewInvoice:
    """An invoice validated and priced in memory, not inserted yet."""

    invoice: Invoice
    lines: list[InvoiceItem]
    opening: bool


def invoice_build(
    *,
    organization,
    customer: Customer,
    items: Sequence[ItemInput],
    due_date: date,
    actor: Actor,
    status: str = Status.DRAFT,
    currency: str = "",
    wallet: Wallet | None = None,
    tax: Tax | None = None,
    **fields,
) -> NewInvoice:
    """Validate and price a new invoice without touching the database (``invoices_insert``
    stores it)."""
    if status not in (Status.DRAFT, Status.OPEN):
        raise InvalidInvoice("status must be one of the following values: DRAFT, OPEN")
    unknown = set(fields) - DRAFT_FIELDS
    if unknown:
        raise InvalidInvoice(f"Unknown invoice fields: {', '.join(sorted(unknown))}")
    currency = currency or organization.default_currency
    _validate_items(organization, currency, items)
    fields.setdefault("name", "Invoice")
    fields.setdefault("email", customer.email)
    invoice = Invoice(
        organization=organization,
        customer=customer,
        wallet=wallet,
        tax=tax,
        currency=currency,
        due_date=due_date,
        created_by=actor.user,
        **fields,
    )
    _validate_refs(invoice)
    lines = _new_items(invoice, items)
    _apply_totals(invoice, lines)
    return NewInvoice(invoice, lines, opening=status == Status.OPEN)


def invoices_insert(organization, new: Sequence[NewInvoice], *, actor: Actor) -> None:
    """Insert built invoices set-wise: one statement per table, whatever their number.

    Those created OPEN take consecutive numbers from one counter update and move through
    ``_transition`` before their rows exist, so they are inserted already OPEN. Nobody else
    can see them yet: nothing to lock or re-price.
    """
    if not new:
        return
    now = timezone.now()
    opening = [n.invoice for n in new if n.opening]
    numbers = allocate_numbers(organization, len(opening), now) if opening else []
    events = [_event(n.invoice, "", Status.DRAFT, actor=actor, note="Draft created") for n in new]
    for invoice, number in zip(opening, numbers, strict=True):
        events.append(_open_move(invoice, number, actor=actor, now=now))
    Invoice.objects.bulk_create([n.invoice for n in new])
    InvoiceItem.objects.bulk_create([line for n in new for line in n.lines])
    InvoiceEvent.objects.bulk_create(events)
    figures.invoices_opened(opening)
    for n in new:
        remember_related(n.invoice, items=n.lines)
    plan_on_open(opening, now=now)
    specs = [EventSpec("invoice.created", n.invoice) for n in new]
    specs += [EventSpec("invoice.finalized", invoice) for invoice in opening]
    events_raise(organization=organization, specs=specs, fresh=True, now=now)
    for invoice in opening:
        _deliver(invoice, actor=actor)


@transaction.atomic
def invoice_store(*, organization, prepared: NewInvoice, actor: Actor) -> Invoice:
    """Insert one built invoice (numbered and opened in this transaction when asked)."""
    invoices_insert(organization, [prepared], actor=actor)
    return prepared.invoice


def invoice_create(*, organization, actor: Actor, **spec) -> Invoice:
    """Create a draft (finalized in the same transaction when ``status`` is OPEN); the keyword
    arguments are ``invoice_build``'s."""
    prepared = invoice_build(organization=organization, actor=actor, **spec)
    return invoice_store(organization=organization, prepared=prepared, actor=actor)


@transaction.atomic
def invoice_update_draft(
    *, invoice: Invoice, actor: Actor, items: Sequence[ItemInput] | None = None, **fields
) -> Invoice:
    """Change a draft's fields and/or replace its items, then re-price it."""
    invoice = lock(invoice)
    if invoice.status != Status.DRAFT:
        raise NotEditable(
            f"Only draft invoices can be changed; invoice {invoice} is {invoice.status}"
        )
    unknown = set(fields) - DRAFT_FIELDS
    if unknown:
        raise InvalidInvoice(f"Unknown invoice fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(invoice, name, value)
    _validate_refs(invoice)
    if items is not None:
        _validate_items(invoice.organization, invoice.currency, items)
        _apply_totals(invoice, _new_items(invoice, items))  # refuses before anything is written
        _replace_items(invoice, items)
    invoice.save()
    invoice = invoice_reprice_draft(invoice=invoice)
    event_raise(organization=invoice.organization, type="invoice.updated", invoice=invoice)
    return invoice


@transaction.atomic
def invoice_reprice_draft(*, invoice: Invoice) -> Invoice:
    """Recompute a draft's totals after its items changed (the admin calls this after inlines)."""
    invoice = lock(invoice)
    if invoice.status != Status.DRAFT:
        raise NotEditable(f"Totals of invoice {invoice} are frozen")
    invoice.save(update_fields=[*_price(invoice), "updated_at"])
    return invoice


@transaction.atomic
def invoice_delete_draft(*, invoice: Invoice, actor: Actor) -> None:
    invoice = lock(invoice)
    if invoice.status != Status.DRAFT:
        raise NotEditable(
            f"Only draft invoices can be deleted; invoice {invoice} is {invoice.status}"
        )
    event_raise(organization=invoice.organization, type="invoice.deleted", invoice=invoice)
    invoice.delete()


@transaction.atomic
def invoice_finalize(*, invoice: Invoice, actor: Actor, now: datetime | None = None) -> Invoice:
    """DRAFT → OPEN: freeze names, prices and tax, price, then take the next gapless number.

    Returns the invoice complete (items, no payments), as a read would give it."""
    role_authorize(actor=actor, organization_id=invoice.organization_id, action="finalize")
    invoice = lock(invoice)
    if invoice.status != Status.DRAFT:  # PAID → OPEN is a reversal's move, not a finalize
        raise IllegalTransition(
            f"Invoice {invoice} is {invoice.get_status_display().lower()} and cannot become open."
        )
    items = list(invoice.items.select_related("product"))
    if not items:
        raise InvalidInvoice("items should not be empty")
    _validate_items(
        invoice.organization, invoice.currency, [ItemInput(i.product, i.quantity) for i in items]
    )
    priced = _price(invoice, items)  # before the number: the counter row stays locked less
    # A draft has no payments. Its event's payload and the caller's answer read these instead
    # of querying again while the counter row and the figures rows are locked.
    remember_related(invoice, items=items)
    now = now or timezone.now()
    number = allocate_numbers(invoice.organization, 1, now)[0]
    _open_move(invoice, number, actor=actor, now=now, fields=priced)
    figures.invoices_opened([invoice])
    plan_on_open([invoice], now=now)
    _deliver(invoice, actor=actor)
    return invoice


def _open_move(
    invoice: Invoice,
    number: tuple[int, str],
    *,
    actor: Actor,
    now: datetime,
    fields: Sequence[str] = (),
) -> InvoiceEvent:
    """DRAFT → OPEN with its number: saved here for a stored invoice, and for a new one
    returned with its event for the caller's INSERT (see ``_transition``)."""
    invoice.sequence, invoice.number = number
    invoice.finalized_at = now
    return _transition(
        invoice,
        Status.OPEN,
        actor=actor,
        note=f"Finalized as {invoice.number}",
        fields=[*fields, "sequence", "number", "finalized_at"],
    )


def _deliver(invoice: Invoice, *, actor: Actor) -> None:
    """The automatic deliveries of an invoice that just became OPEN (queued on commit)."""
    for channel in invoice_channels(invoice).automatic:
        if channel == Channel.WHATSAPP:
            invoice_send_whatsapp(invoice=invoice, actor=actor)
        else:
            invoice_email_on_open(invoice)


def remember_related(invoice: Invoice, *, items: list[InvoiceItem]) -> None:
    """Hand a just-created invoice its items and (no) payments as if they had been prefetched,
    so answering with it costs no read."""
    # Exactly what ``prefetch_related`` stores: a queryset whose results are already known.
    cache = invoice.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, rows in (("items", items), ("payments", [])):
        manager = getattr(invoice, name)
        cached = manager.get_queryset()
        cached._result_cache, cached._prefetch_done = rows, True
        cache[manager.field.remote_field.cache_name] = cached


@transaction.atomic
def invoice_void(*, invoice: Invoice, actor: Actor, note: str = "") -> Invoice:
    role_authorize(actor=actor, organization_id=invoice.organization_id, action="void")
    invoice = lock(invoice)
    before = figures.standing(invoice)
    invoice.voided_at = timezone.now()
    _transition(invoice, Status.VOID, actor=actor, note=note or "Voided", fields=["voided_at"])
    figures.balance_moved(before, invoice)
    return invoice


@transaction.atomic
def invoice_mark_uncollectible(*, invoice: Invoice, actor: Actor, note: str = "") -> Invoice:
    role_authorize(
        actor=actor, organization_id=invoice.organization_id, action="mark_uncollectible"
    )
    invoice = lock(invoice)
    before = figures.standing(invoice)
    _transition(invoice, Status.UNCOLLECTIBLE, actor=actor, note=note or "Marked uncollectible")
    figures.balance_moved(before, invoice)
    return invoice


MONEY_FIELDS = ["paid_at", "amount_paid", "amount_credited"]


def mark_paid(invoice: Invoice, *, actor: Actor, paid_at: datetime, note: str) -> None:
    """Used by the payment and credit-note services once the amount due reaches zero."""
    invoice.paid_at = paid_at
    _transition(invoice, Status.PAID, actor=actor, note=note, fields=MONEY_FIELDS)


def mark_unpaid(invoice: Invoice, *, actor: Actor, note: str) -> None:
    """Used by the payment service when a reversal leaves an amount due on a paid invoice."""
    invoice.paid_at = None
    _transition(invoice, Status.OPEN, actor=actor, note=note, fields=MONEY_FIELDS)


ADMIN_FIELDS = ("organization", *sorted(DRAFT_FIELDS))  # what the admin form edits


@transaction.atomic
def invoice_save_draft(*, invoice: Invoice, actor: Actor) -> Invoice:
    """Save a draft edited field by field (the admin form); items are re-priced afterwards.

    The stored row is locked before its status is checked, and only the form's fields are
    written: a finalize that commits meanwhile is refused here, never overwritten to DRAFT.
    """
    adding = invoice._state.adding
    if not adding and lock(invoice).status != Status.DRAFT:
        raise NotEditable(f"Only draft invoices can be changed; invoice {invoice} is not a draft")
    _validate_refs(invoice)
    if not adding:
        invoice.save(update_fields=[*ADMIN_FIELDS, "updated_at"])
        event_raise(organization=invoice.organization, type="invoice.updated", invoice=invoice)
        return invoice
    invoice.created_by = actor.user
    invoice.save(force_insert=True)
    audit_event(invoice, "", Status.DRAFT, actor=actor, note="Draft created")
    event_raise(organization=invoice.organization, type="invoice.created", invoice=invoice)
    return invoice
