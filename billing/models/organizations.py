import hashlib
import secrets
import uuid
import zoneinfo
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models

from billing.models.choices import TaxRounding
from billing.money import is_known_currency


def validate_currency(value: str) -> None:
    if not is_known_currency(value):
        raise ValidationError(f"'{value}' is not a supported ISO currency code.")


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"'{value}' is not a known time zone.")


def validate_approval_amounts(value) -> None:
    if not isinstance(value, dict):
        raise ValidationError('A mapping of currency to amount, e.g. {"EUR": "900"}.')
    for currency, amount in value.items():
        validate_currency(currency)
        try:
            if Decimal(str(amount)) < 0:
                raise InvalidOperation
        except InvalidOperation as exc:
            raise ValidationError(f"'{amount}' is not an amount for {currency}.") from exc


def validate_number_format(value: str) -> None:
    if "{seq" not in value:
        raise ValidationError("The number format must contain {seq}, e.g. INV-{seq:06d}.")
    try:
        value.format(seq=1, year=2026)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValidationError(f"Invalid number format: {exc}") from exc


class Organization(models.Model):
    """The tenant. The API calls it ``app``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    # The seller as the law wants it on an invoice (EU VAT directive, art. 226).
    legal_name = models.CharField(max_length=200, blank=True, help_text="Empty: the name.")
    legal_address = models.TextField(blank=True)
    vat_id = models.CharField("VAT / tax id", max_length=40, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    locale = models.CharField(max_length=16, default="en")
    default_currency = models.CharField(max_length=4, default="USD", validators=[validate_currency])
    invoice_number_format = models.CharField(
        max_length=60,
        default="INV-{seq:06d}",
        validators=[validate_number_format],
        help_text="Python format with {seq} (the gapless counter) and optionally {year}.",
    )
    credit_note_number_format = models.CharField(
        max_length=60,
        default="CN-{seq:06d}",
        validators=[validate_number_format],
        help_text="Credit notes' own gapless series: {seq} and optionally {year}.",
    )
    tax_rounding = models.CharField(
        max_length=12, choices=TaxRounding.choices, default=TaxRounding.PER_LINE
    )
    payment_instructions = models.JSONField(
        default=dict,
        blank=True,
        help_text='Per payment method, e.g. {"BANK_TRANSFER": "IBAN …", "CASH": "At our office"}.',
    )
    attach_pdf = models.BooleanField(default=True, help_text="Attach the PDF to invoice e-mails.")
    default_wallet = models.ForeignKey(
        "billing.Wallet",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The wallet of API invoices that give no walletId.",
    )
    approval_amount = models.DecimalField(
        max_digits=18,
        decimal_places=3,
        null=True,
        blank=True,
        help_text="Maker-checker: a clerk's finalize of an invoice totalling at least this much "
        "(in the default currency) waits for an approver. Empty: off.",
    )
    approval_amounts = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_approval_amounts],
        help_text='The threshold in other currencies, e.g. {"EUR": "900"}. With approvals on, a '
        "currency missing here always needs approval.",
    )
    approval_recipients = models.PositiveIntegerField(
        null=True,
        blank=True,
        default=50,
        help_text="Maker-checker: a clerk's bulk send to at least this many invoices waits for "
        "an approver. Empty: off.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        wallet = self.default_wallet
        if wallet is not None and wallet.organization_id != self.pk:
            raise ValidationError({"default_wallet": "Choose one of this organization's wallets."})

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class InvoiceSequence(models.Model):
    """The per-organization counter row behind gapless invoice numbers (locked on use)."""

    organization = models.OneToOneField(
        Organization, primary_key=True, on_delete=models.CASCADE, related_name="sequence"
    )
    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.organization}: {self.last_value}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_client_key() -> str:
    return "ck_" + secrets.token_hex(12)


class ApiCredential(models.Model):
    """A key + secret pair for the REST API. Only the SHA-256 of the secret is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_credentials"
    )
    name = models.CharField(max_length=100, blank=True)
    client_key = models.CharField(max_length=40, unique=True, default=new_client_key)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API credential"

    def __str__(self) -> str:
        return self.client_key

    def secret_matches(self, secret: str) -> bool:
        return secrets.compare_digest(self.secret_hash, hash_secret(secret))
