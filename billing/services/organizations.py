import secrets

from django.db import transaction
from django.utils.text import slugify

from billing.models import ApiCredential, InvoiceSequence, Organization
from billing.models.organizations import hash_secret


def _free_slug(name: str) -> str:
    base = slugify(name)[:50] or "org"
    slug = base
    while Organization.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(2)}"
    return slug


@transaction.atomic
def organization_create(
    *,
    name: str,
    slug: str = "",
    currency: str = "USD",
    time_zone: str = "UTC",
    locale: str = "en",
) -> Organization:
    """Create a tenant together with its invoice counter row."""
    organization = Organization(
        name=name,
        slug=slug or _free_slug(name),
        default_currency=currency.upper(),
        time_zone=time_zone,
        locale=locale,
    )
    organization.full_clean()
    return organization_register(organization=organization)


@transaction.atomic
def organization_register(*, organization: Organization) -> Organization:
    """Save a new organization and its invoice counter row in one transaction."""
    organization.save()
    InvoiceSequence.objects.get_or_create(organization=organization)
    return organization


def api_credential_create(
    *, organization: Organization, name: str = ""
) -> tuple[ApiCredential, str]:
    """A new key pair. The plain secret is returned once and never stored."""
    secret = secrets.token_urlsafe(32)
    credential = ApiCredential.objects.create(
        organization=organization, name=name, secret_hash=hash_secret(secret)
    )
    return credential, secret
