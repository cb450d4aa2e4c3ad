import secrets
import uuid
from datetime import date

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import dateformat, timezone

from billing.models.catalog import Product, Tax, Wallet
from billing.models.choices import PaymentMethod
from billing.models.customers import Customer
from billing.models.organizations import Organization, validate_currency
from billing.money import format_amount


def new_payment_token() -> str:
    """256 random bits, unrelated to the invoice id or number."""
    return secrets.token_urlsafe(32)


def view_status(status: str, *, due_date: date, amount_paid: int, today: date) -> str:
    """Devdraft's view: PASTDUE beats PARTIALLYPAID; both only for OPEN invoices (``today`` is
    the organization's local date)."""
    if status != Invoice.Status.OPEN:
        return status
    if due_date < today:
        return Invoice.PASTDUE
    if amount_paid > 0:
        return Invoice.PARTIALLYPAID
    return status


class Invoice(models.Model):
    class Status(models.TextChoices):
        DRAFT = "DRAFT", "Draft"
        OPEN = "OPEN", "Open"
        PAID = "PAID", "Paid"
        VOID = "VOID", "Void"
        UNCOLLECTIBLE = "UNCOLLECTIBLE", "Uncollectible"

    class Delivery(models.TextChoices):
        EMAIL = "EMAIL", "E-mail"
        MANUALLY = "MANUALLY", "Manually"
        WHATSAPP = "WHATSAPP", "WhatsApp"
        AUTO = "AUTO", "Customer's preference"

    # Derived view statuses (never stored).
    PASTDUE = "PASTDUE"
    PARTIALLYPAID = "PARTIALLYPAID"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="invoices"
    )
    sequence = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    number = models.CharField(max_length=60, null=True, blank=True, editable=False)
    status = models.CharField(
        max_length=14, choices=Status.choices, default=Status.DRAFT, editable=False
    )

    name = models.CharField(max_length=200)
    email = models.EmailField()
    address = models.TextField(blank=True)
    phone_number = models.CharField(max_length=40, blank=True)
    logo = models.URLField(max_length=500, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices")
    wallet = models.ForeignKey(
        Wallet, on_delete=models.PROTECT, related_name="invoices", null=True, blank=True
    )
    tax = models.ForeignKey(
        Tax, on_delete=models.PROTECT, related_name="invoices", null=True, blank=True
    )
    currency = models.CharField(max_length=4, validators=[validate_currency])
    due_date = models.DateField()
    send_date = models.DateField(null=True, blank=True)
    supply_date = models.DateField(
        null=True,
        blank=True,
        help_text="When goods or services were supplied, if not the issue date.",
    )
    payment_methods = models.JSONField(default=list)
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.EMAIL)
    payment_link = models.BooleanField(default=True)
    partial_payment = models.BooleanField(default=False)
    reminder_sent = models.BooleanField(default=False, editable=False)
    # Collections (billing.collections): flags, not lifecycle statuses.
    disputed_at = models.DateTimeField(null=True, blank=True, editable=False)
    promise_to_pay_until = models.DateField(null=True, blank=True, editable=False)
    reminders_paused = models.BooleanField(default=False, editable=False)
    reminders_paused_until = models.DateField(
        null=True, blank=True, editable=False, help_text="Empty while paused: indefinitely."
    )
    overdue_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the overdue sweep recorded it."
    )
    payment_token = models.CharField(
        max_length=64, unique=True, default=new_payment_token, editable=False
    )

    # Totals in minor units; recomputed while DRAFT, frozen from OPEN on.
    subtotal = models.BigIntegerField(default=0, editable=False)
    tax_amount = models.BigIntegerField(default=0, editable=False)
    total = models.BigIntegerField(default=0, editable=False)
    amount_paid = models.BigIntegerField(default=0, editable=False)
    # Credit notes' pre-payment parts: what the invoice no longer asks for.
    amount_credited = models.BigIntegerField(default=0, editable=False)
    tax_snapshot = models.JSONField(null=True, blank=True, editable=False)
    tax_breakdown = models.JSONField(default=list, blank=True, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finalized_at = models.DateTimeField(null=True, blank=True, editable=False)
    paid_at = models.DateTimeField(null=True, blank=True, editable=False)
    voided_at = models.DateTimeField(null=True, blank=True, editable=False)
    pay_page_opened_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="First time the pay page was opened."
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "sequence"],
                condition=models.Q(sequence__isnull=False),
                name="invoice_unique_sequence",
            ),
            models.UniqueConstraint(
                fields=["organization", "number"],
                condition=models.Q(number__isnull=False),
                name="invoice_unique_number",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    amount_paid__lte=models.F("total") - models.F("amount_credited")
                ),
                name="invoice_not_overpaid",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="invoice_org_created"),
            models.Index(fields=["status", "due_date"], name="invoice_status_due"),
            # The changelist's status filter and the overview's overdue and aging figures.
            models.Index(
                fields=["organization", "status", "due_date"], name="invoice_org_status_due"
            ),
            # Issued this month, and the funnel's period.
            models.Index(fields=["organization", "finalized_at"], name="invoice_org_finalized"),
            # The every-minute overdue sweep reads only open invoices not yet marked overdue.
            models.Index(
                fields=["status", "due_date"],
                condition=models.Q(overdue_at__isnull=True),
                name="invoice_overdue_due",
            ),
        ]

    def __str__(self) -> str:
        return self.number or self.draft_title()

    def draft_title(self) -> str:
        """``Draft for Alexey Ivanov, 1 Dec 2026``: who it is for and the day it was started
        (in the organization's time zone); a draft has no number to be named by."""
        started = self.created_at or timezone.now()
        if self.organization_id:
            started = started.astimezone(self.organization.tzinfo)
        who = self.customer.name if self.customer_id else "a new customer"
        return f"Draft for {who}, {dateformat.format(started.date(), 'j M Y')}"

    @property
    def amount_due(self) -> int:
        return self.total - self.amount_paid - self.amount_credited

    def local_today(self) -> date:
        return timezone.now().astimezone(self.organization.tzinfo).date()

    @property
    def is_past_due(self) -> bool:
        return self.status == self.Status.OPEN and self.due_date < self.local_today()

    @property
    def display_status(self) -> str:
        today = self.local_today() if self.status == self.Status.OPEN else self.due_date
        return view_status(
            self.status, due_date=self.due_date, amount_paid=self.amount_paid, today=today
        )

    def money(self, minor: int, locale: str | None = None) -> str:
        """An amount of this invoice: in ``locale`` on the customer's documents, else the
        staff user's (the admin, audit lines, errors)."""
        return format_amount(minor, self.currency, locale)


class InvoiceItem(models.Model):
    """A line. Name and unit price follow the product while DRAFT and are frozen at finalize."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="invoice_items")
    position = models.PositiveSmallIntegerField(default=0)
    quantity = models.DecimalField(
        max_digits=12, decimal_places=3, validators=[MinValueValidator(0.001)]
    )
    name = models.CharField(max_length=200, blank=True, editable=False)
    unit_price = models.BigIntegerField(default=0, editable=False)
    amount = models.BigIntegerField(default=0, editable=False)
    net_amount = models.BigIntegerField(default=0, editable=False)
    tax_amount = models.BigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        quantity = format(self.quantity.normalize(), "f")  # 3, 1.5: not 3.000
        return f"{quantity} × {self.name or self.product}"  # noqa: RUF001 (a multiplication)


class Payment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.BigIntegerField(validators=[MinValueValidator(1)])
    method = models.CharField(max_length=16, choices=PaymentMethod.choices)
    reference = models.CharField(max_length=200, blank=True)
    paid_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paid_at"]
        indexes = [models.Index(fields=["paid_at"], name="payment_paid_at")]

    def __str__(self) -> str:
        return f"Payment of {self.invoice.money(self.amount)} on {self.invoice}"


class InvoiceEvent(models.Model):
    """Audit trail: one row per lifecycle transition or payment, written in the same transaction."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=14, blank=True)
    to_status = models.CharField(max_length=14)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    actor_label = models.CharField(max_length=100, blank=True, help_text="e.g. api:ck_…, system")
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        """ "Open → Paid", in the words of ``Invoice.Status`` (the admin shows it on each row)."""
        words = dict(Invoice.Status.choices)
        after = words.get(self.to_status, self.to_status)
        if not self.from_status or self.from_status == self.to_status:
            return after
        return f"{words.get(self.from_status, self.from_status)} → {after}"
