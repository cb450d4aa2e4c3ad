"""Invoices as the API asks for them: references by id, resolved inside one organization.

Every id is looked up in the caller's organization only, so another tenant's object answers
exactly like a missing one. The checks that need the organization (its time zone for "today",
its objects) live here; the serializer only checks shapes.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from billing.errors import BillingError, InvalidInvoice, NotFound
from billing.models import Customer, Invoice, Organization, Product, Tax, Wallet
from billing.services import draft_rules as rules
from billing.services.actors import Actor
from billing.services.invoices import (
    ItemInput,
    NewInvoice,
    compute_totals,
    invoice_build,
    invoice_finalize,
    invoice_store,
    invoice_update_draft,
    invoices_insert,
    line_amount,
)


@dataclass(frozen=True)
class InvoiceRequest:
    """A create/replace body after shape validation; ids are not resolved yet."""

    customer_id: uuid.UUID
    items: Sequence[tuple[str, Decimal]]
    due_date: date
    status: str = Invoice.Status.DRAFT
    wallet_id: uuid.UUID | None = None
    default_wallet: bool = False  # the body gave no walletId: the organization's default
    tax_id: uuid.UUID | None = None
    send_date: date | None = None
    currency: str = ""
    fields: dict = field(default_factory=dict)

    @classmethod
    def from_body(cls, body: dict) -> "InvoiceRequest":
        """Map a shape-checked API body (the contract's own key names) onto the request."""
        body = dict(body)
        items = [(item["product_id"], Decimal(item["quantity"])) for item in body.pop("items")]
        return cls(
            customer_id=uuid.UUID(str(body.pop("customer_id"))),
            default_wallet="walletId" not in body,
            wallet_id=_optional_uuid(body.pop("walletId", None)),
            tax_id=_optional_uuid(body.pop("taxId", None)),
            items=items,
            due_date=body.pop("due_date"),
            send_date=body.pop("send_date", None),
            status=body.pop("status", Invoice.Status.DRAFT),
            currency=body.pop("currency", "") or "",
            fields=body,
        )


def _optional_uuid(value) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(str(value))


@dataclass
class Lookups:
    """Per-request memo of an organization's objects (a bulk request resolves each id once)."""

    organization: Organization
    customers: dict = field(default_factory=dict)
    wallets: dict = field(default_factory=dict)
    taxes: dict = field(default_factory=dict)
    products: dict = field(default_factory=dict)

    def _get(self, memo: dict, queryset, pk):
        if pk not in memo:
            # At most one row by primary key: no ORDER BY/LIMIT for ``first()`` to compile.
            rows = list(queryset.filter(organization=self.organization, pk=pk))
            memo[pk] = rows[0] if rows else None
        return memo[pk]

    def customer(self, pk: uuid.UUID) -> Customer:
        customer = self._get(self.customers, Customer.objects, pk)
        if customer is None:
            raise NotFound("Customer not found")
        if customer.status != Customer.Status.ACTIVE:
            raise InvalidInvoice("Customer is inactive")
        return customer

    def wallet(self, pk: uuid.UUID | None) -> Wallet | None:
        if pk is None:
            return None
        wallet = self._get(self.wallets, Wallet.objects, pk)
        if wallet is None:
            raise NotFound("Wallet could not be found")
        if not wallet.active:
            raise InvalidInvoice("Wallet is inactive")
        return wallet

    def default_wallet(self) -> Wallet:
        pk = self.organization.default_wallet_id
        if pk is None:
            raise InvalidInvoice("walletId should not be empty (no default wallet is set)")
        return self.wallet(pk)

    def tax(self, pk: uuid.UUID | None) -> Tax | None:
        if pk is None:
            return None
        # Its components come along once: every invoice of a bulk request snapshots them.
        tax = self._get(self.taxes, Tax.objects.prefetch_related("components"), pk)
        if tax is None:
            raise NotFound("Tax not found")
        if not tax.active:
            raise InvalidInvoice("Tax is inactive")
        return tax

    def items(self, items: Sequence[tuple[str, Decimal]]) -> list[ItemInput]:
        self._load_products([product_id for product_id, _ in items])
        resolved = []
        for product_id, quantity in items:
            product = self.products.get(product_id)
            if product is None:
                raise InvalidInvoice(f"Product with ID '{product_id}' not found")
            if not product.active:
                raise InvalidInvoice(f"Product with ID '{product_id}' is inactive")
            resolved.append(ItemInput(product, quantity))
        return resolved

    def _load_products(self, ids: Sequence[str]) -> None:
        # Ids that are not UUIDs are simply unknown products (the contract's own example
        # answers "Product with ID 'prod_invalid' not found").
        wanted = {}
        for raw in ids:
            if raw in self.products:
                continue
            try:
                wanted[uuid.UUID(raw)] = raw
            except ValueError:
                self.products[raw] = None
        found = Product.objects.filter(organization=self.organization, pk__in=list(wanted))
        by_pk = {product.pk: product for product in found}
        for pk, raw in wanted.items():
            self.products[raw] = by_pk.get(pk)


@dataclass(frozen=True)
class ResolvedInvoice:
    customer: Customer
    wallet: Wallet | None
    tax: Tax | None
    items: list[ItemInput]
    currency: str


def organization_today(organization: Organization) -> date:
    return timezone.now().astimezone(organization.tzinfo).date()


def resolve(
    *, request: InvoiceRequest, lookups: Lookups, allow_past_due: bool = False
) -> ResolvedInvoice:
    """Look up every reference and check the dates; raise the contract's errors in its order.

    ``allow_past_due`` is for the recurring job catching up after downtime: the schedule was
    validated when it was made, and a late invoice beats a missing one."""
    customer = lookups.customer(request.customer_id)
    wallet = (
        lookups.default_wallet() if request.default_wallet else lookups.wallet(request.wallet_id)
    )
    tax = lookups.tax(request.tax_id)
    items = lookups.items(request.items)
    if not allow_past_due and request.due_date < organization_today(lookups.organization):
        raise InvalidInvoice("Due date cannot be in the past")
    dates_problem = rules.dates_problem(request.send_date, request.due_date)
    if dates_problem:
        raise InvalidInvoice(dates_problem)
    return ResolvedInvoice(customer, wallet, tax, items, _currency(request, lookups, items))


def _currency(request: InvoiceRequest, lookups: Lookups, items: list[ItemInput]) -> str:
    """The asked currency, else the products' common currency, else the organization's."""
    if request.currency:
        return request.currency
    currencies = {item.product.currency for item in items}
    if len(currencies) == 1:
        return currencies.pop()
    return lookups.organization.default_currency


def _create_kwargs(request: InvoiceRequest, resolved: ResolvedInvoice) -> dict:
    return {
        "customer": resolved.customer,
        "wallet": resolved.wallet,
        "tax": resolved.tax,
        "currency": resolved.currency,
        "due_date": request.due_date,
        "send_date": request.send_date,
        **request.fields,
    }


def invoice_prepare(
    *,
    organization: Organization,
    request: InvoiceRequest,
    actor: Actor,
    lookups: Lookups | None = None,
    allow_past_due: bool = False,
) -> NewInvoice:
    """Everything before the writes: look up, check and price. It only reads, so it can run
    before the write transaction opens (on SQLite that keeps the write lock short)."""
    resolved = resolve(
        request=request, lookups=lookups or Lookups(organization), allow_past_due=allow_past_due
    )
    return invoice_build(
        organization=organization,
        items=resolved.items,
        status=request.status,
        actor=actor,
        **_create_kwargs(request, resolved),
    )


def invoice_submit(
    *,
    organization: Organization,
    request: InvoiceRequest,
    actor: Actor,
    lookups: Lookups | None = None,
    allow_past_due: bool = False,
) -> Invoice:
    """Create an invoice from an API body: prepared by reading, then stored in one transaction
    (finalized there too when OPEN)."""
    prepared = invoice_prepare(
        organization=organization,
        request=request,
        actor=actor,
        lookups=lookups,
        allow_past_due=allow_past_due,
    )
    return invoice_store(organization=organization, prepared=prepared, actor=actor)


@transaction.atomic
def invoice_submit_many(
    *, organization: Organization, requests: Sequence[InvoiceRequest], actor: Actor
) -> list[Invoice | BillingError]:
    """Create many invoices, each checked on its own; the answer lists, in order, the invoice
    or the reason it was refused. The valid ones are inserted set-wise (``invoices_insert``)."""
    lookups = Lookups(organization)
    results: list[NewInvoice | BillingError] = []
    for request in requests:
        try:
            results.append(
                invoice_prepare(
                    organization=organization, request=request, actor=actor, lookups=lookups
                )
            )
        except BillingError as exc:
            results.append(exc)
    built = [r for r in results if isinstance(r, NewInvoice)]
    invoices_insert(organization, built, actor=actor)
    return [r.invoice if isinstance(r, NewInvoice) else r for r in results]


@transaction.atomic
def invoice_replace(*, invoice: Invoice, request: InvoiceRequest, actor: Actor) -> Invoice:
    """Full replacement of a draft; ``status: OPEN`` finalizes it in the same transaction."""
    resolved = resolve(request=request, lookups=Lookups(invoice.organization))
    invoice = invoice_update_draft(
        invoice=invoice, actor=actor, items=resolved.items, **_create_kwargs(request, resolved)
    )
    if request.status == Invoice.Status.OPEN:
        invoice = invoice_finalize(invoice=invoice, actor=actor)
    return invoice


@dataclass(frozen=True)
class PreviewLine:
    product: Product
    quantity: Decimal
    unit_price: int
    line_total: int


@dataclass(frozen=True)
class Preview:
    currency: str
    subtotal: int
    tax_amount: int
    total: int
    lines: list[PreviewLine]


def invoice_preview(*, organization: Organization, request: InvoiceRequest) -> Preview:
    """The totals the invoice would get, computed exactly as at creation, without saving."""
    resolved = resolve(request=request, lookups=Lookups(organization))
    for item in resolved.items:
        problem = rules.currency_problem(item.product, resolved.currency)
        if problem:
            raise InvalidInvoice([problem])
    lines = [(item.product.unit_price, item.quantity) for item in resolved.items]
    snapshot = resolved.tax.snapshot() if resolved.tax else None
    totals = compute_totals(lines, snapshot, resolved.currency, organization.tax_rounding)
    return Preview(
        currency=resolved.currency,
        subtotal=totals.subtotal,
        tax_amount=totals.tax,
        total=totals.total,
        lines=[
            PreviewLine(item.product, item.quantity, price, line_amount(price, qty))
            for item, (price, qty) in zip(resolved.items, lines, strict=True)
        ],
    )
