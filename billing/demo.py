"""Demo data for `make run`: one organization, an admin login, one staff login per role, and
invoices in every state."""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from billing.models import Customer, Invoice, Organization, Product, Tax, TaxComponent, Wallet
from billing.models.memberships import Role
from billing.models.recurring import add_months
from billing.services.actors import Actor
from billing.services.invoices import (
    ItemInput,
    invoice_create,
    invoice_mark_uncollectible,
    invoice_void,
)
from billing.services.organizations import organization_create
from billing.services.payments import payment_record
from billing.services.recurring import recurring_create
from billing.services.roles import staff_user_set

DEMO_SLUG = "demo"
DEMO_USERNAME = "admin"
DEMO_PASSWORD = "duebell-demo"  # noqa: S105 - a local demo login, printed by `make run`
# one staff login per role in the demo organization (same password), printed by `make run`
DEMO_STAFF = {role: f"demo-{role}" for role in Role.values}


def _customers(org: Organization) -> dict[str, Customer]:
    now = timezone.now()
    specs = [
        ("alexey", "Alexey", "alexey@example.ru", "+79001234567", "en", ["whatsapp", "email"]),
        ("jane", "Jane Doe", "jane@example.com", "+14155550123", "en-US", ["email"]),
        ("lukas", "Lukas Müller", "lukas@example.de", "+4915123456789", "de-DE", ["email"]),
        ("yuki", "Yuki Tanaka", "yuki@example.jp", "+819012345678", "ja-JP", ["email"]),
        ("fatima", "Fatima Al-Sabah", "fatima@example.kw", "+96550012345", "ar-KW", ["email"]),
    ]
    customers = {}
    for key, name, email, phone, locale, channels in specs:
        consent = "whatsapp" in channels
        customers[key] = Customer.objects.create(
            organization=org,
            name=name,
            email=email,
            phone=phone,
            locale=locale,
            preferred_channels=channels,
            whatsapp_opted_in_at=now if consent else None,
            whatsapp_consent_source="signup form" if consent else "",
            whatsapp_consent_wording="Send my invoices on WhatsApp" if consent else "",
        )
    return customers


def _products(org: Organization) -> dict[str, Product]:
    specs = [
        ("web", "WEB-001", "Website development", 250000, "USD"),
        ("hosting", "HOST-001", "Hosting (month)", 2500, "USD"),
        ("support", "SUP-RU", "Annual support plan", 4990000, "RUB"),
        ("design", "DES-EU", "Design sprint", 180000, "EUR"),
        ("license", "LIC-JP", "Software licence", 12000, "JPY"),
        ("audit", "AUD-KW", "Security audit", 12345, "KWD"),
    ]
    return {
        key: Product.objects.create(
            organization=org, code=code, name=name, unit_price=price, currency=currency
        )
        for key, code, name, price, currency in specs
    }


def _taxes(org: Organization) -> dict[str, Tax]:
    sales = Tax.objects.create(organization=org, name="Sales tax 8.5%", rate=Decimal("8.5"))
    vat = Tax.objects.create(
        organization=org, name="VAT 20% (included)", rate=Decimal(20), inclusive=True
    )
    fee = Tax.objects.create(
        organization=org, name="Eco fee", type=Tax.Type.FIXED, rate=Decimal("5.00")
    )
    quebec = Tax.objects.create(organization=org, name="GST + QST", rate=Decimal("14.975"))
    TaxComponent.objects.create(tax=quebec, position=0, name="GST", rate=Decimal(5))
    TaxComponent.objects.create(
        tax=quebec, position=1, name="QST", rate=Decimal("9.975"), compound=True
    )
    return {"sales": sales, "vat": vat, "fee": fee, "quebec": quebec}


def _invoice(org, customer, wallet, lines, *, due_in, status="OPEN", tax=None, **fields):
    return invoice_create(
        organization=org,
        customer=customer,
        wallet=wallet,
        tax=tax,
        currency=lines[0][0].currency,
        items=[ItemInput(product, Decimal(qty)) for product, qty in lines],
        due_date=timezone.localdate() + timedelta(days=due_in),
        status=status,
        actor=Actor(label="demo"),
        payment_methods=fields.pop("payment_methods", ["BANK_TRANSFER", "CRYPTO"]),
        **fields,
    )


def _invoices(org, customers, products, taxes, wallet) -> None:
    actor = Actor(label="demo")
    _invoice(
        org,
        customers["alexey"],
        wallet,
        [(products["support"], 1)],
        due_in=30,
        name="Annual support 2026",
        delivery="MANUALLY",
    )
    _invoice(
        org,
        customers["jane"],
        wallet,
        [(products["web"], 1), (products["hosting"], 12)],
        due_in=14,
        status="DRAFT",
        tax=taxes["sales"],
        name="Website relaunch",
    )
    paid = _invoice(
        org,
        customers["jane"],
        wallet,
        [(products["hosting"], 3)],
        due_in=10,
        tax=taxes["fee"],
        name="Hosting Q1",
    )
    payment_record(invoice=paid, amount=paid.total, method="CRYPTO", actor=actor)
    partly = _invoice(
        org,
        customers["lukas"],
        wallet,
        [(products["design"], 2)],
        due_in=20,
        tax=taxes["vat"],
        partial_payment=True,
        name="Design sprints",
    )
    payment_record(invoice=partly, amount=partly.total // 3, method="BANK_TRANSFER", actor=actor)
    _invoice(
        org,
        customers["jane"],
        wallet,
        [(products["web"], 1)],
        due_in=-5,
        tax=taxes["quebec"],
        name="Website maintenance (late)",
    )
    void = _invoice(
        org,
        customers["lukas"],
        wallet,
        [(products["design"], 1)],
        due_in=7,
        name="Cancelled sprint",
    )
    invoice_void(invoice=void, actor=actor, note="customer cancelled")
    bad = _invoice(
        org, customers["jane"], wallet, [(products["hosting"], 1)], due_in=-40, name="Old hosting"
    )
    invoice_mark_uncollectible(invoice=bad, actor=actor, note="customer unreachable")
    _invoice(org, customers["yuki"], wallet, [(products["license"], 3)], due_in=21, name="Licences")
    _invoice(org, customers["fatima"], wallet, [(products["audit"], 1)], due_in=21, name="Audit")


@transaction.atomic
def load_demo() -> tuple[Organization, bool]:
    """Create the demo organization once; later calls change nothing and return created=False."""
    User = get_user_model()
    if not User.objects.filter(username=DEMO_USERNAME).exists():
        User.objects.create_superuser(DEMO_USERNAME, "admin@localhost", DEMO_PASSWORD)
    existing = Organization.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        _staff(existing)
        return existing, False
    org = organization_create(
        name="Duebell Demo Ltd", slug=DEMO_SLUG, currency="USD", time_zone="Europe/Berlin"
    )
    org.payment_instructions = {
        "BANK_TRANSFER": "IBAN DE89 3704 0044 0532 0130 00 · BIC COBADEFFXXX",
        "CRYPTO": "Pay to the wallet address shown on the invoice.",
    }
    org.save(update_fields=["payment_instructions"])
    wallet = Wallet.objects.create(
        organization=org, address="0x742d35Cc6634C0532925a3b844Bc454e4438f44e"
    )
    customers, products = _customers(org), _products(org)
    _invoices(org, customers, products, _taxes(org), wallet)
    _schedule(org, customers["jane"], products["hosting"], wallet)
    _staff(org)
    return org, True


def _schedule(org, customer, product, wallet) -> None:
    """Monthly hosting for Jane from next month: nothing is created before its send date."""
    template = {
        "name": "Hosting (monthly)",
        "email": customer.email,
        "customer_id": str(customer.pk),
        "walletId": str(wallet.pk),
        "items": [{"product_id": str(product.pk), "quantity": "1"}],
        "delivery": "EMAIL",
        "payment_link": True,
        "payment_methods": ["BANK_TRANSFER"],
        "status": "OPEN",
        "partial_payment": False,
        "taxId": None,
    }
    start = add_months(timezone.localdate().replace(day=1), 1)
    recurring_create(
        organization=org, template=template, frequency="MONTHLY", count=12, start_date=start
    )


def _staff(org: Organization) -> None:
    existing = set(get_user_model().objects.values_list("username", flat=True))
    for role, username in DEMO_STAFF.items():
        if username not in existing:
            staff_user_set(username=username, password=DEMO_PASSWORD, organization=org, role=role)


def demo_logins() -> str:
    """The demo logins as `make run` prints them."""
    staff = ", ".join(f"{username} ({role})" for role, username in DEMO_STAFF.items())
    return f"{DEMO_USERNAME} (superuser), {staff}; password {DEMO_PASSWORD}"


def demo_invoice_count(org: Organization) -> int:
    return Invoice.objects.filter(organization=org).count()
