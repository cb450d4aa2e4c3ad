import uuid
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

from billing import taxes
from billing.errors import InvalidAmount
from billing.models.organizations import Organization, validate_currency
from billing.money import MoneyError, to_major, to_minor


class Product(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="products"
    )
    code = models.CharField(max_length=60, blank=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    unit_price = models.BigIntegerField(
        validators=[MinValueValidator(0)], help_text="In minor units (cents, kopecks…)."
    )
    currency = models.CharField(max_length=4, validators=[validate_currency])
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"],
                condition=~models.Q(code=""),
                name="product_unique_code",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def price(self) -> Decimal:
        return to_major(self.unit_price, self.currency)


# The compound rule as the README states it; the admin and the API docs show this sentence.
COMPOUND_RULE = (
    "Taxes the net amount plus the PERCENTAGE components before it; FIXED components (fees) "
    "are never part of a tax base."
)


class Tax(models.Model):
    """A tax applied to a whole invoice. Rate and inclusiveness are frozen once an invoice uses it.

    Without components the tax is the single component (name, type, rate). FIXED rates are amounts
    in the invoice currency's major units.
    """

    class Type(models.TextChoices):
        PERCENTAGE = taxes.PERCENTAGE, "Percentage"
        FIXED = taxes.FIXED, "Fixed amount"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="taxes")
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=255, blank=True)
    type = models.CharField(max_length=10, choices=Type.choices, default=Type.PERCENTAGE)
    rate = models.DecimalField(
        max_digits=12, decimal_places=4, validators=[MinValueValidator(Decimal(0))]
    )
    inclusive = models.BooleanField(default=False, help_text="Prices already include this tax.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    FROZEN_FIELDS = ("type", "rate", "inclusive")

    class Meta:
        verbose_name_plural = "taxes"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_used(self) -> bool:
        return self.pk is not None and self.invoices.exists()

    def component_specs(self) -> list[dict]:
        """Ordered components as plain data (also what an invoice snapshots at finalize)."""
        components = list(self.components.all())
        if not components:
            return [
                {
                    "name": self.name,
                    "type": self.type,
                    "rate": rate_text(self.rate),
                    "compound": False,
                }
            ]
        return [
            {"name": c.name, "type": c.type, "rate": rate_text(c.rate), "compound": c.compound}
            for c in components
        ]

    def snapshot(self) -> dict:
        return {
            "id": str(self.id),
            "name": self.name,
            "type": self.type,
            "rate": rate_text(self.rate),
            "inclusive": self.inclusive,
            "components": self.component_specs(),
        }


def rate_text(rate) -> str:
    """The rate as stored (4 places), whether the Tax came from the database or from memory."""
    return str(Decimal(rate).quantize(Decimal("0.0001")))


def rule_from_snapshot(snapshot: dict | None, currency: str) -> taxes.TaxRule | None:
    if not snapshot:
        return None
    components = []
    for spec in snapshot["components"]:
        rate = Decimal(spec["rate"])
        fixed = _fixed_minor(snapshot, spec, currency) if spec["type"] == taxes.FIXED else 0
        components.append(
            taxes.Component(
                name=spec["name"],
                type=spec["type"],
                rate=rate,
                compound=spec["compound"],
                fixed_minor=fixed,
            )
        )
    return taxes.TaxRule(components=tuple(components), inclusive=snapshot["inclusive"])


def _fixed_minor(snapshot: dict, spec: dict, currency: str) -> int:
    """A FIXED amount in minor units; one finer than the currency is refused, never rounded."""
    try:
        return to_minor(spec["rate"], currency)
    except MoneyError as exc:
        amount = format(Decimal(spec["rate"]).normalize(), "f")
        part = "" if spec["name"] == snapshot["name"] else f" (component '{spec['name']}')"
        raise InvalidAmount(
            [
                f"taxId: the fixed amount {amount} of tax '{snapshot['name']}'{part} cannot be "
                f"charged in {currency}: {exc}"
            ]
        ) from exc


class TaxComponent(models.Model):
    tax = models.ForeignKey(Tax, on_delete=models.CASCADE, related_name="components")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=100)
    type = models.CharField(max_length=10, choices=Tax.Type.choices, default=Tax.Type.PERCENTAGE)
    rate = models.DecimalField(
        max_digits=12, decimal_places=4, validators=[MinValueValidator(Decimal(0))]
    )
    compound = models.BooleanField(default=False, help_text=COMPOUND_RULE)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Wallet(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="wallets")
    address = models.CharField(max_length=200)
    blockchain = models.CharField(max_length=40, default="ETHEREUM")
    type = models.CharField(max_length=20, default="APP")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["blockchain", "address"]

    def __str__(self) -> str:
        return f"{self.blockchain} {self.address}"
