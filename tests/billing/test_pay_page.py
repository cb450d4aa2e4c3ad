"""The hosted invoice page behind a payment link, its PDF, expiry and fresh links."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from billing import documents
from billing.models import Invoice
from billing.services import pay_links
from billing.services.actors import Actor
from billing.services.credit_notes import credit_note_issue
from billing.services.invoices import invoice_void
from billing.services.payments import payment_record
from notifications.models import Message
from tests.factories import make_invoice
from tests.notifications.email_support import EVIL, issued_invoice, pdf_text, sync_queue  # noqa: F401

pytestmark = pytest.mark.django_db


def page(client, invoice, suffix=""):
    return client.get(f"/pay/{invoice.payment_token}/{suffix}")


def test_the_page_shows_the_invoice_amount_due_and_how_to_pay(client):
    invoice = issued_invoice(partial_payment=True)
    payment_record(invoice=invoice, amount=50000, method="BANK_TRANSFER", actor=Actor(label="t"))
    invoice.refresh_from_db()
    response = page(client, invoice)
    html = response.content.decode()
    assert response.status_code == 200
    for expected in (
        "Acme Ltd",
        "Invoice INV-000001",
        "Consulting",
        "Hosting",
        "2,549.99 USD",  # total
        "500.00 USD",  # paid
        '<td class="num due" id="amount-due">2,049.99 USD</td>',
        'id="status">Partially paid',
        "IBAN DE89 3704 0044 0532 0130 00",
        "ETHEREUM 0xabc123",
        f"/pay/{invoice.payment_token}/pdf/",
    ):
        assert expected in html, expected
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-cache" in response["Cache-Control"]


def test_personal_data_is_masked(client):
    invoice = issued_invoice()
    html = page(client, invoice).content.decode()
    assert "J*** D***" in html and "j***@example.com" in html
    assert "Jane Doe" not in html and "jane@example.com" not in html


def test_user_data_is_escaped(client):
    invoice = issued_invoice()
    invoice.items.filter(name="Hosting").update(name=EVIL)
    html = page(client, invoice).content.decode()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_paid_invoice_shows_paid_and_no_payment_instructions(client):
    invoice = issued_invoice()
    payment_record(invoice=invoice, amount=254999, method="CASH", actor=Actor(label="t"))
    html = page(client, invoice).content.decode()
    assert 'id="status">Paid' in html
    assert '<td class="num due" id="amount-due">0.00 USD</td>' in html
    assert "How to pay" not in html


def test_a_void_invoice_says_it_is_void_and_shows_no_way_to_pay(client):
    invoice = invoice_void(invoice=issued_invoice(), actor=Actor(label="t"))
    response = page(client, invoice)
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        '<p class="void-notice" id="void-notice"><strong>This invoice is void.</strong> Acme Ltd '
        "has cancelled it: nothing is due and no payment should be made.</p>"
    ) in html
    assert 'id="status">Void' in html
    for absent in ("How to pay", "IBAN DE89", "0xabc123", "amount-due", "Amount due", "due-date"):
        assert absent not in html, absent
    pdf = pdf_text(page(client, invoice, "pdf/").content)
    assert "Status: Void" in pdf
    assert "How to pay" not in pdf and "IBAN DE89" not in pdf


def test_an_expired_link_to_a_void_invoice_offers_no_fresh_link(client):
    invoice = invoice_void(invoice=expired_invoice(), actor=Actor(label="t"))
    token = invoice.payment_token
    html = client.get(f"/pay/{token}/").content.decode()
    assert (
        '<p id="void-notice"><strong>Invoice INV-000001 is void.</strong> Acme Ltd has cancelled '
        "it: nothing is due and no payment should be made.</p>"
    ) in html
    assert 'id="renew"' not in html and "/renew/" not in html
    response = client.post(f"/pay/{token}/renew/")
    assert (response.status_code, response["Location"]) == (302, f"/pay/{token}/")
    invoice.refresh_from_db()
    assert invoice.payment_token == token
    assert Message.objects.filter(purpose="payment_link").count() == 0


def test_the_pdf_downloads_from_the_page(client):
    invoice = issued_invoice()
    response = page(client, invoice, "pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="INV-000001.pdf"'
    assert response["Referrer-Policy"] == "no-referrer"
    assert "2,549.99 USD" in pdf_text(response.content)


@pytest.mark.parametrize("kind", ["bad", "draft", "no_link", "deleted"])
def test_a_bad_token_and_a_missing_invoice_are_the_same_404(client, kind):
    if kind == "bad":
        token = "x" * 43
    elif kind == "draft":
        token = make_invoice().payment_token
    elif kind == "no_link":
        token = issued_invoice(payment_link=False).payment_token
    else:
        draft = make_invoice()
        token = draft.payment_token
        draft.delete()
    for suffix in ("", "pdf/"):
        response = client.get(f"/pay/{token}/{suffix}")
        assert response.status_code == 404
    assert response.content == client.get(f"/pay/{'y' * 43}/").content


def test_the_link_works_until_30_days_after_the_due_date(client):
    today = timezone.localdate()
    live = issued_invoice(due_date=today + timedelta(days=1))
    type(live).objects.filter(pk=live.pk).update(due_date=today - timedelta(days=30))
    assert "amount-due" in page(client, live).content.decode()
    type(live).objects.filter(pk=live.pk).update(due_date=today - timedelta(days=31))
    response = page(client, live)
    assert response.status_code == 200
    assert "This payment link has expired" in response.content.decode()
    assert page(client, live, "pdf/").status_code == 302


def test_a_due_date_at_the_end_of_the_calendar_keeps_the_link_valid_to_its_last_day(client):
    invoice = issued_invoice(due_date=date(9999, 12, 31))
    assert documents.link_expires_on(invoice) == date.max  # not an OverflowError
    assert "amount-due" in page(client, invoice).content.decode()


def expired_invoice():
    invoice = issued_invoice()
    type(invoice).objects.filter(pk=invoice.pk).update(
        due_date=timezone.localdate() - timedelta(days=45)
    )
    invoice.refresh_from_db()
    return invoice


@pytest.mark.usefixtures("sync_queue")
def test_asking_for_a_fresh_link_rotates_the_token_and_emails_the_address_on_file(
    client, django_capture_on_commit_callbacks
):
    invoice = expired_invoice()
    old = invoice.payment_token
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/pay/{old}/renew/")
    assert response.status_code == 200
    assert "A new link to invoice INV-000001 is on its way to j***@example.com." in (
        response.content.decode()
    )
    invoice.refresh_from_db()
    assert invoice.payment_token != old and len(invoice.payment_token) >= 43
    assert client.get(f"/pay/{old}/").status_code == 404
    sent = mail.outbox[-1]
    assert sent.to == ["jane@example.com"]
    assert sent.subject == "New payment link for invoice INV-000001"
    assert f"/pay/{invoice.payment_token}/" in sent.body
    assert "amount-due" in client.get(f"/pay/{invoice.payment_token}/").content.decode()
    message = Message.objects.get(purpose="payment_link")
    assert message.status == "sent"


@pytest.mark.usefixtures("sync_queue")
def test_a_double_submit_sends_one_fresh_link(django_capture_on_commit_callbacks):
    invoice = expired_invoice()
    with django_capture_on_commit_callbacks(execute=True):
        first = pay_links.payment_link_renew(invoice=invoice)
        second = pay_links.payment_link_renew(invoice=invoice)  # the same page, posted twice
    assert (first.sent, second.sent) == (True, False)
    assert second.masked_address == "j***@example.com"
    assert len(mail.outbox) == 1
    assert Message.objects.filter(purpose="payment_link").count() == 1


def test_a_fresh_link_still_queued_is_not_superseded_by_another(client):
    invoice = expired_invoice()
    pay_links.payment_link_renew(invoice=invoice)  # not committed: its e-mail stays queued
    stuck = Message.objects.get(purpose="payment_link")
    Message.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(days=40))
    invoice.refresh_from_db()
    token = invoice.payment_token
    response = client.post(f"/pay/{token}/renew/")
    assert response.status_code == 409
    assert (
        "The last link we e-mailed you is still on its way: try again in a few minutes."
        in response.content.decode()
    )
    invoice.refresh_from_db()
    assert invoice.payment_token == token
    assert list(Message.objects.values_list("pk", "status")) == [(stuck.pk, "queued")]


def test_renew_on_a_live_link_only_redirects(client):
    invoice = issued_invoice()
    response = client.post(f"/pay/{invoice.payment_token}/renew/")
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert response["Location"] == f"/pay/{invoice.payment_token}/"
    assert Message.objects.filter(purpose="payment_link").count() == 0


@pytest.mark.django_db(transaction=True)  # autocommit, as in production
@pytest.mark.parametrize("token", ["abc%00def", "a%20b", "x" * 65])
def test_a_malformed_token_is_the_same_404_as_an_unknown_one(client, token):
    for suffix in ("", "pdf/"):
        response = client.get(f"/pay/{token}/{suffix}")
        assert response.status_code == 404
    assert response.content == client.get(f"/pay/{'y' * 43}/").content


def test_statuses_are_words_and_credit_notes_show_on_the_page_and_the_pdf(client):
    invoice = issued_invoice(partial_payment=True)
    payment_record(invoice=invoice, amount=50000, method="CASH", actor=Actor(label="t"))
    credit_note_issue(invoice=invoice, reason="ORDER_CHANGE", amount=4999, actor=Actor(label="t"))
    html = page(client, invoice).content.decode()
    assert '<span class="status status-partiallypaid" id="status">Partially paid</span>' in html
    assert '<td class="num" id="amount-credited">49.99 USD</td>' in html
    assert '<td class="num due" id="amount-due">2,000.00 USD</td>' in html
    pdf = pdf_text(page(client, invoice, "pdf/").content)
    assert "Status: Partially paid" in pdf
    assert "Credited 49.99 USD" in pdf
    Invoice.objects.filter(pk=invoice.pk).update(due_date=timezone.localdate() - timedelta(days=3))
    assert 'id="status">Past due</span>' in page(client, invoice).content.decode()
    assert "PASTDUE" not in pdf_text(page(client, invoice, "pdf/").content)
