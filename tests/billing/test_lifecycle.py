from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.errors import IllegalTransition, InvalidInvoice, NotEditable, PaymentRejected
from billing.models import Invoice, InvoiceEvent, Payment
from billing.services.actors import Actor
from billing.services.invoices import (
    ItemInput,
    invoice_delete_draft,
    invoice_finalize,
    invoice_mark_uncollectible,
    invoice_update_draft,
    invoice_void,
)
from billing.services.payments import payment_record
from tests.factories import OrganizationFactory, ProductFactory, TaxFactory, make_invoice

pytestmark = pytest.mark.django_db
ACTOR = Actor(label="test")
S = Invoice.Status


def snapshot(invoice: Invoice) -> tuple:
    invoice.refresh_from_db()
    return (
        invoice.status,
        invoice.number,
        invoice.total,
        invoice.amount_paid,
        invoice.events.count(),
        invoice.payments.count(),
    )


def events(invoice: Invoice) -> list[tuple[str, str, str]]:
    return list(invoice.events.values_list("from_status", "to_status", "actor_label"))


def test_draft_has_no_number_and_finalize_numbers_and_audits():
    invoice = make_invoice(lines=[(2500, 2)])
    assert (invoice.status, invoice.number, invoice.total) == (S.DRAFT, None, 5000)
    invoice = invoice_finalize(invoice=invoice, actor=ACTOR)
    assert (invoice.status, invoice.number, invoice.sequence) == (S.OPEN, "INV-000001", 1)
    assert events(invoice) == [("", "DRAFT", "test"), ("DRAFT", "OPEN", "test")]


def test_full_payment_marks_paid_with_audit():
    invoice = make_invoice(lines=[(10000, 1)], status="OPEN")
    payment_record(invoice=invoice, amount=10000, method="CASH", actor=ACTOR)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, invoice.amount_due) == (S.PAID, 10000, 0)
    assert invoice.paid_at is not None and invoice.paid_at <= timezone.now()
    assert events(invoice)[-1] == ("OPEN", "PAID", "test")


def test_partial_payments_when_allowed_then_paid():
    invoice = make_invoice(lines=[(10000, 1)], status="OPEN", partial_payment=True)
    payment_record(invoice=invoice, amount=4000, method="BANK_TRANSFER", actor=ACTOR)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.display_status, invoice.amount_due) == (
        S.OPEN,
        "PARTIALLYPAID",
        6000,
    )
    payment_record(invoice=invoice, amount=6000, method="CRYPTO", actor=ACTOR)
    invoice.refresh_from_db()
    assert invoice.status == S.PAID
    assert [to for _, to, _ in events(invoice)] == ["DRAFT", "OPEN", "OPEN", "PAID"]


@pytest.mark.parametrize(
    ("partial", "amount", "message"),
    [
        (False, 4000, "This invoice does not accept partial payments: pay the full 100.00 USD"),
        (True, 10001, "Payment of 100.01 USD exceeds the amount due of 100.00 USD"),
        (True, 0, "amount must be greater than 0"),
    ],
)
def test_refused_payments_change_nothing(partial, amount, message):
    invoice = make_invoice(lines=[(10000, 1)], status="OPEN", partial_payment=partial)
    before = snapshot(invoice)
    with pytest.raises(PaymentRejected) as exc:
        payment_record(invoice=invoice, amount=amount, method="CASH", actor=ACTOR)
    assert exc.value.messages == [message]
    assert snapshot(invoice) == before


def test_payment_on_draft_or_void_is_refused():
    draft = make_invoice()
    with pytest.raises(PaymentRejected):
        payment_record(invoice=draft, amount=10000, method="CASH", actor=ACTOR)
    void = invoice_void(invoice=make_invoice(status="OPEN"), actor=ACTOR)
    with pytest.raises(PaymentRejected):
        payment_record(invoice=void, amount=10000, method="CASH", actor=ACTOR)
    assert Payment.objects.count() == 0


def test_uncollectible_can_still_be_paid_or_voided():
    paid = invoice_mark_uncollectible(invoice=make_invoice(status="OPEN"), actor=ACTOR)
    payment_record(invoice=paid, amount=10000, method="CASH", actor=ACTOR)
    paid.refresh_from_db()
    assert paid.status == S.PAID
    voided = invoice_mark_uncollectible(invoice=make_invoice(status="OPEN"), actor=ACTOR)
    voided = invoice_void(invoice=voided, actor=ACTOR)
    assert [to for _, to, _ in events(voided)] == ["DRAFT", "OPEN", "UNCOLLECTIBLE", "VOID"]
    assert voided.number == "INV-000001"  # a voided invoice keeps its number


@pytest.mark.parametrize(
    ("start", "move"),
    [
        ("DRAFT", invoice_void),
        ("DRAFT", invoice_mark_uncollectible),
        ("OPEN", invoice_finalize),
        ("PAID", invoice_void),
        ("PAID", invoice_mark_uncollectible),
        ("PAID", invoice_finalize),
        ("VOID", invoice_finalize),
        ("VOID", invoice_mark_uncollectible),
        ("UNCOLLECTIBLE", invoice_mark_uncollectible),
    ],
)
def test_illegal_transitions_are_refused_and_change_nothing(start, move):
    invoice = make_invoice(status="DRAFT" if start == "DRAFT" else "OPEN")
    if start == "PAID":
        payment_record(invoice=invoice, amount=invoice.total, method="CASH", actor=ACTOR)
    elif start == "VOID":
        invoice_void(invoice=invoice, actor=ACTOR)
    elif start == "UNCOLLECTIBLE":
        invoice_mark_uncollectible(invoice=invoice, actor=ACTOR)
    before = snapshot(invoice)
    with pytest.raises(IllegalTransition) as exc:
        move(invoice=invoice, actor=ACTOR)
    assert "cannot become" in exc.value.messages[0]
    assert exc.value.status_code == 409
    assert snapshot(invoice) == before


def test_open_invoice_is_frozen():
    invoice = make_invoice(status="OPEN")
    before = snapshot(invoice)
    with pytest.raises(NotEditable):
        invoice_update_draft(invoice=invoice, actor=ACTOR, name="changed")
    with pytest.raises(NotEditable):
        invoice_delete_draft(invoice=invoice, actor=ACTOR)
    assert snapshot(invoice) == before
    assert invoice.name != "changed"


def test_draft_follows_product_price_and_finalize_snapshots_it():
    org = OrganizationFactory()
    product = ProductFactory(organization=org, unit_price=1000, name="Hosting")
    invoice = make_invoice(org, lines=[(1, 1)])
    invoice = invoice_update_draft(
        invoice=invoice, actor=ACTOR, items=[ItemInput(product, Decimal(3))]
    )
    assert invoice.total == 3000
    product.unit_price, product.name = 1200, "Hosting+"
    product.save()
    invoice = invoice_finalize(invoice=invoice, actor=ACTOR)
    item = invoice.items.get()
    assert (item.name, item.unit_price, invoice.total) == ("Hosting+", 1200, 3600)
    product.unit_price = 9999
    product.save()
    invoice.refresh_from_db()
    assert (invoice.items.get().unit_price, invoice.total) == (1200, 3600)


def test_finalize_freezes_the_tax_as_it_was():
    org = OrganizationFactory()
    tax = TaxFactory(organization=org, rate=Decimal(10))
    invoice = make_invoice(org, lines=[(1000, 1)], tax=tax, status="OPEN")
    assert (invoice.tax_amount, invoice.tax_snapshot["rate"]) == (100, "10.0000")


def test_delete_draft():
    invoice = make_invoice()
    invoice_delete_draft(invoice=invoice, actor=ACTOR)
    assert not Invoice.objects.filter(pk=invoice.pk).exists()


def test_items_validated():
    org = OrganizationFactory(default_currency="USD")
    eur = ProductFactory(organization=org, currency="EUR", name="Euro thing")
    other = ProductFactory()
    with pytest.raises(InvalidInvoice) as exc:
        make_invoice(org, lines=[])
    assert exc.value.messages == ["items should not be empty"]
    draft = make_invoice(org)
    with pytest.raises(InvalidInvoice) as exc:
        invoice_update_draft(
            invoice=draft, actor=ACTOR, items=[ItemInput(eur, Decimal(1)), ItemInput(other, 1)]
        )
    assert exc.value.messages == [
        "Product 'Euro thing' is priced in EUR, not in the invoice currency USD",
        f"Product with ID '{other.pk}' not found",
    ]


def test_past_due_is_derived_in_the_organization_time_zone():
    org = OrganizationFactory(time_zone="Pacific/Kiritimati")  # UTC+14
    local_today = timezone.now().astimezone(org.tzinfo).date()
    due_yesterday = make_invoice(org, status="OPEN", due_date=local_today - timedelta(days=1))
    due_today = make_invoice(org, status="OPEN", due_date=local_today)
    assert due_yesterday.display_status == "PASTDUE"
    assert due_today.display_status == "OPEN"
    assert InvoiceEvent.objects.filter(to_status="PASTDUE").count() == 0  # never stored
