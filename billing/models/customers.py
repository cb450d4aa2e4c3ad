import uuid
import zoneinfo

from django.db import models
from django.db.models.functions import Lower
from phonenumber_field.modelfields import PhoneNumberField

from billing.models.choices import Channel
from billing.models.organizations import Organization, validate_time_zone


def default_channels() -> list[str]:
    return [Channel.EMAIL.value]


class Customer(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "ACTIVE", "Active"
        INACTIVE = "INACTIVE", "Inactive"

    class Type(models.TextChoices):
        """Devdraft's customer types, kept as the client sends them."""

        INDIVIDUAL = "Individual"
        STARTUP = "Startup"
        SMALL_BUSINESS = "Small Business"
        MEDIUM_BUSINESS = "Medium Business"
        ENTERPRISE = "Enterprise"
        NON_PROFIT = "Non-Profit"
        GOVERNMENT = "Government"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="customers"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = PhoneNumberField(blank=True, help_text="E.164, e.g. +79001234567")
    locale = models.CharField(max_length=16, default="en")
    address = models.TextField(blank=True)
    tax_id = models.CharField("VAT / tax id", max_length=40, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    customer_type = models.CharField(max_length=20, choices=Type.choices, blank=True)
    preferred_channels = models.JSONField(
        default=default_channels,
        blank=True,
        help_text='Ordered fallback list of channels, e.g. ["whatsapp", "email"].',
    )
    whatsapp_opted_in_at = models.DateTimeField(null=True, blank=True)
    whatsapp_consent_source = models.CharField(max_length=200, blank=True)
    whatsapp_consent_wording = models.TextField(blank=True)
    whatsapp_opted_out_at = models.DateTimeField(null=True, blank=True)
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="IANA name, e.g. Europe/Berlin; empty: the organization's.",
    )
    reminders_paused = models.BooleanField(default=False, editable=False)
    reminders_paused_until = models.DateField(
        null=True, blank=True, editable=False, help_text="Empty while paused: indefinitely."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(Lower("name"), "organization", name="customer_org_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone or self.organization.time_zone)

    @property
    def whatsapp_consent(self) -> bool:
        """Opted in, and not opted out since."""
        if self.whatsapp_opted_in_at is None:
            return False
        return self.whatsapp_opted_out_at is None or (
            self.whatsapp_opted_out_at < self.whatsapp_opted_in_at
        )


class CustomerContact(models.Model):
    """Extra e-mail addresses invoices go to besides the customer's own."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "email"], name="contact_unique_email")
        ]

    def __str__(self) -> str:
        return self.email
