"""The customer page: channels as an ordered choice, invoices with what is due, the statement."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Customer
from billing.services.actors import Actor
from billing.services.credit_notes import credit_note_issue
from billing.services.payments import payment_record, payment_reverse
from billing.statements import build_statement
from tests.billing.admin_support import make_member
from tests.factories import CustomerFactory, OrganizationFactory, make_invoice
from tests.notifications.email_support import pdf_text

pytestmark = pytest.mark.django_db
ACTOR = Actor(label="test")


def customer_data(org, **overrides) -> dict:
    data = {
        "organization": org.pk,
        "name": "Alexey",
        "status": "ACTIVE",
        "email": "alexey@example.ru",
        "phone": "",
        "locale": "en",
        "address": "",
        "tax_id": "",
        "preferred_channels": "whatsapp,email",
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def alexeys_account():
    """Two EUR invoices (one part paid, one credited and refunded) and a USD one."""
    org = OrganizationFactory(name="Acme", default_currency="EUR", time_zone="UTC")
    customer = CustomerFactory(organization=org, name="Alexey", locale="de-DE")
    first = make_invoice(
        org, customer=customer, status="OPEN", lines=[(100000, 1)], partial_payment=True
    )
    payment_record(invoice=first, amount=40000, method="BANK_TRANSFER", actor=ACTOR)
    mistake = payment_record(invoice=first, amount=5000, method="CASH", actor=ACTOR).payment
    payment_reverse(payment=mistake, reason="Booked twice", actor=ACTOR)
    second = make_invoice(org, customer=customer, status="OPEN", lines=[(20000, 1)])
    payment_record(invoice=second, amount=20000, method="CASH", actor=ACTOR)
    credit_note_issue(
        invoice=second.__class__.objects.get(pk=second.pk),
        reason="ORDER_CHANGE",
        amount=5000,
        refund_amount=3000,
        actor=ACTOR,
    )
    make_invoice(org, customer=customer, status="OPEN", lines=[(1250, 2)], currency="USD")
    return org, customer, first


def test_channels_are_an_ordered_choice_in_words_saved_as_the_list(admin_client):
    org = OrganizationFactory()
    add = admin_client.get(reverse("admin:billing_customer_add"))
    field = add.context["adminform"].form.fields["preferred_channels"]
    assert list(field.choices) == [
        ("whatsapp", "WhatsApp only"),
        ("email", "E-mail only"),
        ("whatsapp,email", "WhatsApp, then e-mail"),
        ("email,whatsapp", "E-mail, then WhatsApp"),
    ]
    response = admin_client.post(reverse("admin:billing_customer_add"), customer_data(org))
    assert response.status_code == 302
    customer = Customer.objects.get()
    assert customer.preferred_channels == ["whatsapp", "email"]
    change = admin_client.get(reverse("admin:billing_customer_change", args=[customer.pk]))
    assert 'value="whatsapp,email" selected' in change.content.decode()

    refused = admin_client.post(
        reverse("admin:billing_customer_change", args=[customer.pk]),
        customer_data(org, preferred_channels='["sms"]'),
    )
    assert refused.status_code == 200
    assert "preferred_channels" in refused.context["adminform"].form.errors
    customer.refresh_from_db()
    assert customer.preferred_channels == ["whatsapp", "email"]


def test_the_customer_page_lists_invoices_with_amount_due_and_open_balance(admin_client):
    _org, customer, first = alexeys_account()
    page = admin_client.get(reverse("admin:billing_customer_change", args=[customer.pk]))
    html = page.content.decode()
    # In the staff user's locale (en), never the German customer's "1.000,00 EUR".
    right = '<td class="num" style="text-align:right">'
    assert f"{right}1,000.00 EUR</td>{right}600.00 EUR</td>" in html  # 400 paid
    assert f"{right}25.00 USD</td>{right}25.00 USD</td>" in html
    assert "Partially paid" in html and "PARTIALLYPAID" not in html
    assert "Open balance: <strong>600.00 EUR, 25.00 USD</strong>" in html
    assert reverse("admin:billing_invoice_change", args=[first.pk]) in html
    assert "1.000,00 EUR" not in html


def test_the_statement_runs_the_balance_per_currency_and_reconciles():
    _org, customer, _first = alexeys_account()
    today = timezone.localdate()
    statement = build_statement(customer=customer, start=today, end=today)
    eur, usd = statement.currencies
    assert [(row.text, row.charge, row.credit, row.balance) for row in eur.rows] == [
        ("Invoice INV-000001", "1.000,00 EUR", "", "1.000,00 EUR"),
        ("Payment by bank transfer on INV-000001", "", "400,00 EUR", "600,00 EUR"),
        ("Payment by cash on INV-000001", "", "50,00 EUR", "550,00 EUR"),
        ("Payment on INV-000001 reversed", "50,00 EUR", "", "600,00 EUR"),
        ("Invoice INV-000002", "200,00 EUR", "", "800,00 EUR"),
        ("Payment by cash on INV-000002", "", "200,00 EUR", "600,00 EUR"),
        ("Credit note CN-000001 on INV-000002 (order change)", "", "50,00 EUR", "550,00 EUR"),
        ("Refund of credit note CN-000001", "30,00 EUR", "", "580,00 EUR"),
    ]
    # closing = open amounts due (600) less the credit left to the customer (50 - 30)
    assert (eur.opening, eur.closing, eur.closing_minor, eur.open_total) == (
        "0,00 EUR",
        "580,00 EUR",
        58000,
        "600,00 EUR",
    )
    assert [(i.number, i.status, i.amount_due) for i in eur.open_items] == [
        ("INV-000001", "Partially paid", "600,00 EUR")
    ]
    assert (usd.closing, [i.number for i in usd.open_items]) == ("25,00 USD", ["INV-000003"])


def test_a_later_period_opens_with_the_balance_carried_forward():
    _org, customer, _first = alexeys_account()
    tomorrow = timezone.localdate() + timedelta(days=1)
    eur, usd = build_statement(customer=customer, start=tomorrow, end=tomorrow).currencies
    assert (eur.opening, eur.rows, eur.closing) == ("580,00 EUR", [], "580,00 EUR")
    assert (usd.opening, usd.closing) == ("25,00 USD", "25,00 USD")


def test_the_statement_pdf_downloads_from_the_customer_page(admin_client):
    _org, customer, _first = alexeys_account()
    page = admin_client.get(reverse("admin:billing_customer_change", args=[customer.pk]))
    today = timezone.localdate()
    url = reverse("admin:billing_customer_statement", args=[customer.pk])
    link = f"{url}?start={today:%Y}-01-01&amp;end={today.isoformat()}"
    assert link in page.content.decode()

    pdf = admin_client.get(url, {"start": f"{today:%Y}-01-01", "end": today.isoformat()})
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert pdf["Content-Disposition"] == (
        f'attachment; filename="statement-Alexey-{today:%Y}-01-01-{today.isoformat()}.pdf"'
    )
    text = " ".join(pdf_text(pdf.content).split())  # a long description wraps
    for expected in (
        "Statement of account",
        "Customer: Alexey",
        "Account in EUR",
        "Opening balance 0,00 EUR",
        "Payment on INV-000001 reversed",
        "Booked twice",
        "Credit note CN-000001 on INV-000002 (order change)",
        "Refund of credit note CN-000001",
        "Closing balance 580,00 EUR",
        "Open invoices in EUR today",
        "Total open 600,00 EUR",
        "Account in USD",
    ):
        assert expected in text, expected


def test_a_period_ending_before_it_starts_is_refused_in_words(admin_client):
    _org, customer, _first = alexeys_account()
    url = reverse("admin:billing_customer_statement", args=[customer.pk])
    refused = admin_client.get(url, {"start": "2026-05-02", "end": "2026-05-01"})
    assert refused.status_code == 200
    assert refused.context["form"].non_field_errors() == [
        "The period's first day is after its last day."
    ]
    garbled = admin_client.get(url, {"start": "01/05/2026", "end": ""})
    assert garbled.status_code == 200
    assert set(garbled.context["form"].errors) == {"start", "end"}


def test_another_organizations_customer_and_statement_are_404(client, django_user_model):
    _org, theirs, _first = alexeys_account()
    mine = OrganizationFactory(name="Mine")
    client.force_login(make_member(django_user_model, mine, username="clara", role="clerk"))
    change = reverse("admin:billing_customer_change", args=[theirs.pk])
    statement = reverse("admin:billing_customer_statement", args=[theirs.pk])
    assert client.get(change).status_code == 404
    assert client.get(statement, {"start": "2026-01-01", "end": "2026-12-31"}).status_code == 404


def test_a_viewer_downloads_the_statement_but_cannot_change_the_customer(client, django_user_model):
    org, customer, _first = alexeys_account()
    client.force_login(make_member(django_user_model, org, username="vera", role="viewer"))
    url = reverse("admin:billing_customer_statement", args=[customer.pk])
    pdf = client.get(url, {"start": "2026-01-01", "end": "2099-12-31"})
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    change = reverse("admin:billing_customer_change", args=[customer.pk])
    client.post(change, customer_data(org, name="Renamed"))
    customer.refresh_from_db()
    assert customer.name == "Alexey"
