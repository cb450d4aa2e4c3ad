from datetime import datetime, timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from billing.errors import PaymentRejected
from billing.models import Invoice, InvoiceEvent, Payment, PaymentReversal
from billing.services.actors import Actor
from billing.services.invoices import invoice_finalize
from billing.services.payments import payment_record, payment_reverse
from tests.factories import OrganizationFactory, make_invoice

pytestmark = pytest.mark.django_db
ACTOR = Actor(label="test")


def _open(partial=True, issued_days_ago=0, **fields):
    org = OrganizationFactory(time_zone="Europe/Berlin", default_currency="EUR")
    draft = make_invoice(org, partial_payment=partial, **fields)
    return invoice_finalize(
        invoice=draft, actor=ACTOR, now=timezone.now() - timedelta(days=issued_days_ago)
    )


def _state(invoice: Invoice) -> tuple:
    invoice.refresh_from_db()
    return (
        invoice.status,
        invoice.amount_paid,
        Payment.objects.filter(invoice=invoice).count(),
        InvoiceEvent.objects.filter(invoice=invoice).count(),
    )


def _local(invoice: Invoice, days: int) -> datetime:
    return timezone.now().astimezone(invoice.organization.tzinfo) + timedelta(days=days)


def test_a_payment_before_the_issue_date_is_refused_and_nothing_changes():
    invoice = _open(issued_days_ago=3)
    before = _state(invoice)
    day = _local(invoice, -4)
    issued = _local(invoice, -3).date()
    with pytest.raises(PaymentRejected) as exc:
        payment_record(invoice=invoice, amount=4000, method="CASH", actor=ACTOR, paid_at=day)
    assert exc.value.messages == [
        f"paid_at: the payment date {day.date().isoformat()} is before the invoice's "
        f"issue date {issued.isoformat()}"
    ]
    assert _state(invoice) == before


def test_a_payment_in_the_future_is_refused_and_nothing_changes():
    invoice = _open()
    before = _state(invoice)
    day = _local(invoice, 1)
    with pytest.raises(PaymentRejected) as exc:
        payment_record(invoice=invoice, amount=4000, method="CASH", actor=ACTOR, paid_at=day)
    assert exc.value.messages == [
        f"paid_at: the payment date {day.date().isoformat()} is in the future"
    ]
    assert _state(invoice) == before


def test_a_payment_on_the_issue_date_is_accepted_and_audited_in_words():
    invoice = _open(issued_days_ago=2)
    day = _local(invoice, -2)
    recorded = payment_record(
        invoice=invoice, amount=4000, method="BANK_TRANSFER", actor=ACTOR, paid_at=day
    )
    assert recorded.payment.paid_at == day
    assert recorded.warnings == []
    assert invoice.events.last().note == "Payment of 40.00 EUR by bank transfer"


def test_a_duplicate_reference_is_recorded_with_a_warning():
    invoice = _open()
    payment_record(invoice=invoice, amount=1000, method="CASH", actor=ACTOR, reference="R1")
    again = payment_record(invoice=invoice, amount=1000, method="CASH", actor=ACTOR, reference="R1")
    other = payment_record(invoice=invoice, amount=1000, method="CASH", actor=ACTOR, reference="R2")
    assert again.warnings == [
        f"Another payment on invoice {invoice.number} already has the reference “R1”."
    ]
    assert other.warnings == []
    invoice.refresh_from_db()
    assert invoice.amount_paid == 3000


def test_reversing_the_payment_of_a_paid_invoice_reopens_it_through_the_status_door():
    invoice = _open()
    first = payment_record(invoice=invoice, amount=4000, method="CASH", actor=ACTOR).payment
    second = payment_record(invoice=invoice, amount=6000, method="CASH", actor=ACTOR).payment
    invoice.refresh_from_db()
    assert (invoice.status, invoice.display_status) == ("PAID", "PAID")

    reversal = payment_reverse(payment=second, reason="Booked twice", actor=ACTOR)

    invoice.refresh_from_db()
    assert (invoice.status, invoice.display_status) == ("OPEN", "PARTIALLYPAID")
    assert (invoice.amount_paid, invoice.amount_due, invoice.paid_at) == (4000, 6000, None)
    assert Payment.objects.filter(invoice=invoice).count() == 2  # never deleted
    assert reversal.payment == second and reversal.reason == "Booked twice"
    event = invoice.events.last()
    assert (event.from_status, event.to_status, event.note) == (
        "PAID",
        "OPEN",
        "Payment of 60.00 EUR reversed: Booked twice",
    )

    payment_reverse(payment=first, reason="Wrong customer", actor=ACTOR)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.display_status, invoice.amount_due) == ("OPEN", "OPEN", 10000)


def test_a_payment_is_reversed_once_and_only_with_a_reason():
    invoice = _open()
    payment = payment_record(invoice=invoice, amount=4000, method="CASH", actor=ACTOR).payment
    before = _state(invoice)
    with pytest.raises(PaymentRejected) as exc:
        payment_reverse(payment=payment, reason="  ", actor=ACTOR)
    assert exc.value.messages == ["reason: say why the payment is reversed"]
    assert _state(invoice) == before
    payment_reverse(payment=payment, reason="Mistake", actor=ACTOR)
    after = _state(invoice)
    with pytest.raises(PaymentRejected) as exc:
        payment_reverse(payment=payment, reason="Again", actor=ACTOR)
    assert exc.value.messages == [f"This payment on invoice {invoice.number} is reversed already"]
    assert _state(invoice) == after
    assert PaymentReversal.objects.filter(payment=payment).count() == 1


def test_a_paid_invoice_cannot_be_finalized_again():
    invoice = _open(partial=False)
    payment_record(invoice=invoice, amount=10000, method="CASH", actor=ACTOR)
    before = _state(invoice)
    with pytest.raises(Exception) as exc:
        invoice_finalize(invoice=invoice, actor=ACTOR)
    assert str(exc.value) == f"Invoice {invoice.number} is paid and cannot become open."
    assert _state(invoice) == before


# --- admin pages ---------------------------------------------------------------------------


def test_admin_refuses_an_ambiguous_payment_date_and_records_nothing(admin_client):
    """Regression: "01/12/2026" was read as 12 January, before the invoice existed."""
    invoice = _open()
    before = _state(invoice)
    url = reverse("admin:billing_invoice_payment", args=[invoice.pk])
    page = admin_client.get(url)
    assert 'type="date"' in page.content.decode()
    response = admin_client.post(url, {"amount": "40", "method": "CASH", "paid_on": "01/12/2026"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"paid_on": ["Enter the date as YYYY-MM-DD."]}
    assert _state(invoice) == before


def test_admin_records_an_iso_date_and_warns_on_a_duplicate_reference(admin_client):
    invoice = _open(issued_days_ago=5)
    url = reverse("admin:billing_invoice_payment", args=[invoice.pk])
    day = _local(invoice, -1).date()
    admin_client.post(url, {"amount": "10", "method": "CASH", "reference": "R1"})
    response = admin_client.post(
        url, {"amount": "10", "method": "CASH", "reference": "R1", "paid_on": day.isoformat()}
    )
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Payment recorded.",
        "Payment recorded.",
        f"Another payment on invoice {invoice.number} already has the reference “R1”.",
    ]
    dates = [
        p.paid_at.astimezone(invoice.organization.tzinfo).date()
        for p in Payment.objects.filter(invoice=invoice).order_by("created_at")
    ]
    assert dates == [timezone.now().astimezone(invoice.organization.tzinfo).date(), day]
    future = admin_client.post(
        url, {"amount": "10", "method": "CASH", "paid_on": _local(invoice, 2).date().isoformat()}
    )
    assert future.context["form"].non_field_errors() == [
        f"paid_at: the payment date {_local(invoice, 2).date().isoformat()} is in the future"
    ]


def test_admin_reverses_a_payment_with_a_reason(admin_client):
    invoice = _open(partial=False)
    payment = payment_record(invoice=invoice, amount=10000, method="CASH", actor=ACTOR).payment
    change = admin_client.get(reverse("admin:billing_invoice_change", args=[invoice.pk]))
    url = reverse("admin:billing_invoice_reverse_payment", args=[invoice.pk, payment.pk])
    assert url in change.content.decode()
    before = _state(invoice)
    empty = admin_client.post(url, {"reason": ""})
    assert empty.status_code == 200
    assert _state(invoice) == before
    response = admin_client.post(url, {"reason": "Booked on the wrong invoice"})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_due) == ("OPEN", 10000)
    page = admin_client.get(reverse("admin:billing_invoice_change", args=[invoice.pk]))
    assert "Booked on the wrong invoice" in page.content.decode()
    assert url not in page.content.decode()
