"""A clerk chasing delivery problems in a real browser: the delivery log filtered to problems, a
failed WhatsApp message's page, and the retry confirmation that says a retry will fail and offers
the e-mail instead (sent through the local 1MSG sandbox and Django's mail framework)."""

import os

import pytest
from django.core import mail

from billing.services.actors import Actor
from billing.services.roles import staff_user_set
from billing.services.whatsapp import invoice_send_whatsapp
from notifications import status as st
from notifications.models import Message
from tests.notifications.whatsapp_support import customer, sandbox, seed_invoice, seed_org

__all__ = ["sandbox"]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ACTOR = Actor(label="api:erp")


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-browser-1")
    page.click("input[type=submit]")
    page.wait_for_selector("#overview")


def test_a_clerk_finds_a_failed_message_and_sends_the_invoice_by_email_instead(
    page, live_server, artifacts_dir, sandbox
):
    org = seed_org()
    # phone ending 09: the sandbox answers "(#131026) Message undeliverable"
    alexey = seed_invoice(org, phone="+79001234509")
    invoice_send_whatsapp(invoice=alexey, actor=ACTOR)
    olga = seed_invoice(org, customer=customer(org, name="Olga Sidorova", consent=False))
    invoice_send_whatsapp(invoice=olga, actor=ACTOR)
    failed = Message.objects.get(subject_id=str(alexey.pk), channel="whatsapp")
    assert (failed.status, failed.error_kind) == (st.FAILED, "unreachable")
    staff_user_set(username="clara", password="pw-browser-1", organization=org, role="clerk")
    mail.outbox.clear()

    log_in(page, live_server, "clara")
    page.goto(f"{live_server.url}/admin/notifications/message/?problems=yes")
    page.wait_for_selector("#result_list")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2
    table = page.locator("#result_list").inner_text()
    assert "INV-2024-0842" in table and "Alexey" in table and "Olga Sidorova" in table
    assert "(#131026) Message undeliverable" in table
    assert "The customer has not opted in" in table
    page.screenshot(path=os.path.join(artifacts_dir, "delivery-problems.png"), full_page=True)

    page.click(f"#result_list a[href*='/{failed.pk}/change/']")
    page.wait_for_selector(".field-problem")
    problem = page.locator(".field-problem .readonly").inner_text()
    assert problem.startswith("Number or address cannot receive it: (#131026)")
    assert page.locator(".field-next_attempt .readonly").inner_text() == (
        "None: the outcome is final"
    )
    assert "79001234509" not in page.content()
    page.screenshot(path=os.path.join(artifacts_dir, "delivery-failed-message.png"), full_page=True)

    page.goto(f"{live_server.url}/admin/notifications/message/?problems=yes")
    page.check(f"input[name=_selected_action][value='{failed.pk}']")
    page.select_option("select[name=action]", "retry_failed")
    page.click("button[name=index]")
    page.wait_for_selector("table.hopeless")
    confirm = page.locator("#content").inner_text()
    assert "A retry will fail for 1 message(s)" in confirm
    assert "INV-2024-0842" in confirm and "Alexey" in confirm
    page.screenshot(path=os.path.join(artifacts_dir, "delivery-retry-confirm.png"), full_page=True)

    page.click("input[value='Send these invoices by e-mail instead']")
    page.wait_for_selector(".messagelist")
    assert "Invoice INV-2024-0842: e-mail queued to" in page.locator(".messagelist").inner_text()
    page.screenshot(path=os.path.join(artifacts_dir, "delivery-email-instead.png"), full_page=True)
    email = Message.objects.get(subject_id=str(alexey.pk), channel="email", created_by="user:clara")
    assert email.status == st.SENT
    assert Message.objects.filter(subject_id=str(alexey.pk), channel="whatsapp").count() == 1
