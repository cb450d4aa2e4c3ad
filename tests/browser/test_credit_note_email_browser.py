"""A clerk e-mails a credit note from its page in a real browser, over real SMTP, and finds the
message in the delivery log as a credit note linked back to it."""

import email
import os
from email import policy

import pytest

from billing.services.actors import Actor
from billing.services.credit_notes import credit_note_issue
from billing.services.payments import payment_record
from billing.services.roles import staff_user_set
from notifications.models import Message
from tests.browser.support import PASSWORD, log_in
from tests.notifications.email_support import SmtpSink, issued_invoice, smtp_settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page, artifacts_dir, name):
    page.screenshot(path=os.path.join(artifacts_dir, f"credit-note-{name}.png"), full_page=True)


def test_a_clerk_emails_a_credit_note_and_finds_it_in_the_delivery_log(
    page, live_server, settings, artifacts_dir
):
    invoice = issued_invoice(partial_payment=True)
    payment_record(invoice=invoice, amount=100000, method="BANK_TRANSFER", actor=Actor())
    note = credit_note_issue(
        invoice=invoice,
        reason="ORDER_CHANGE",
        amount=5000,
        memo="One hosting month free",
        actor=Actor(),
    )
    staff_user_set(
        username="clara", password=PASSWORD, organization=invoice.organization, role="clerk"
    )
    url = live_server.url
    log_in(page, live_server, "clara")

    with SmtpSink() as sink:
        smtp_settings(settings, sink.port)
        page.goto(f"{url}/admin/billing/invoice/{invoice.pk}/change/")
        page.click("#credit_notes-group td.field-number_link a")
        page.wait_for_selector("#credit-note-send")
        assert page.inner_text("#credit-note-email-status") == "Not e-mailed yet."
        assert page.inner_text("#credit-note-amount") == "50.00 USD"
        shot(page, artifacts_dir, "1-page")

        page.click("#credit-note-send")
        page.wait_for_selector("#credit-note-send-confirm")
        assert page.inner_text("#credit-note-recipients") == (
            "Credit note CN-000001 and its PDF go to jane@example.com, ap@example.com. "
            "It is sent once: another click returns the same e-mail."
        )
        shot(page, artifacts_dir, "2-confirm")

        page.click("#credit-note-send-confirm")
        page.wait_for_selector(".messagelist .success")
        assert page.inner_text(".messagelist .success") == (
            "Credit note CN-000001 is on its way by e-mail to jane@example.com, ap@example.com."
        )
        page.reload()
        assert page.inner_text("#credit-note-email-status").startswith(
            "Sent: e-mailed to jane@example.com, ap@example.com."
        )
        assert page.locator("#credit-note-send").count() == 0
        shot(page, artifacts_dir, "3-sent")

    mail = email.message_from_bytes(sink.received[-1].content, policy=policy.default)
    assert [a.get_filename() for a in mail.iter_attachments()] == ["CN-000001.pdf"]

    page.click("#credit-note-message-link")
    page.wait_for_selector("#messageevent_set-group, .field-status_display")
    detail = page.inner_text("#content")
    assert "Credit note CN-000001 on invoice INV-000001" in detail
    assert "Credit note" in page.inner_text(".field-purpose_column")
    assert page.inner_text(".field-created_by_words .readonly") == "clara"
    shot(page, artifacts_dir, "4-message")

    page.goto(f"{url}/admin/notifications/message/")
    row = page.locator("#result_list tbody tr", has_text="CN-000001")
    assert row.locator("td.field-purpose_column").inner_text() == "Credit note"
    assert row.locator("td.field-status_display").inner_text() == "Sent"
    shot(page, artifacts_dir, "5-delivery-log")
    row.locator("td.field-subject_column a").click()
    page.wait_for_selector("#credit-note-amount")
    assert page.url.endswith(f"/credit-note/{note.pk}/")
    assert Message.objects.filter(purpose="credit_note_issued").count() == 1
