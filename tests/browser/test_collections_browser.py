"""The collections pages in a real browser: tomorrow's outbox in each customer's own time,
"pause" taking a reminder out of it, the policy's example plan following the form before it is
saved (its script allowed by the admin's CSP), and the "Needs attention" list."""

import os
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.collections.models import Reminder, ReminderPolicy
from billing.collections.policy import policy_as_json, policy_for, reminder_policy_replace
from billing.collections.replies import invoice_apply_reply
from billing.services.roles import staff_user_set
from tests.browser.support import PASSWORD, log_in
from tests.browser.test_csp_browser import refusals
from tests.factories import CustomerFactory, OrganizationFactory, make_invoice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def organization_with_tomorrows_reminders():
    org = OrganizationFactory(name="Collect Ltd", default_currency="EUR", time_zone="Europe/Berlin")
    data = policy_as_json(policy_for(org)) | {
        "steps": [-1, 7],
        "business_days": [1, 2, 3, 4, 5, 6, 7],
    }
    reminder_policy_replace(organization=org, data=data)
    tomorrow = timezone.now().astimezone(ZoneInfo(org.time_zone)).date() + timedelta(days=1)
    invoices = {}
    for name, zone, price in (
        ("Nora Park", "America/New_York", 125000),
        ("Kenji Sato", "Asia/Tokyo", 48000),
    ):
        customer = CustomerFactory(
            organization=org,
            name=name,
            email=f"{name.split()[0].lower()}@example.com",
            time_zone=zone,
        )
        invoices[name] = make_invoice(
            org,
            status="OPEN",
            customer=customer,
            lines=((price, 1),),
            due_date=tomorrow + timedelta(days=1),
            delivery="MANUALLY",
        )
    return org, invoices


def test_the_outbox_shows_tomorrow_in_local_time_and_pause_removes_a_reminder(
    page, live_server, artifacts_dir
):
    refused = refusals(page)
    org, invoices = organization_with_tomorrows_reminders()
    staff_user_set(username="carla", password=PASSWORD, organization=org, role="clerk")
    log_in(page, live_server, "carla")

    page.click("text=Outbox")
    page.click("#outbox-day >> text=Tomorrow")
    page.wait_for_selector("#outbox-going")

    rows = page.locator("#outbox-going tr.outbox-row")
    assert rows.count() == 2
    nora = page.locator(f"#outbox-going tr[data-invoice='{invoices['Nora Park'].pk}']")
    kenji = page.locator(f"#outbox-going tr[data-invoice='{invoices['Kenji Sato'].pk}']")
    assert "09:00" in nora.locator("td.time").inner_text()
    assert "America/New_York" in nora.locator("td.time").inner_text()
    assert "09:00 JST" in kenji.locator("td.time").inner_text()
    assert "1,250.00 EUR" in nora.inner_text()
    nora.locator("summary").click()
    assert "Nora Park" in nora.locator(".preview-email").inner_text()
    page.screenshot(path=os.path.join(artifacts_dir, "collections-outbox.png"), full_page=True)

    nora.locator("button.pause-invoice").click()
    page.wait_for_selector(".messagelist")

    assert page.locator("#outbox-going tr.outbox-row").count() == 1
    assert page.locator(f"#outbox-going tr[data-invoice='{invoices['Nora Park'].pk}']").count() == 0
    assert (
        page.locator(f"#outbox-paused tr[data-invoice='{invoices['Nora Park'].pk}']").count() == 1
    )
    assert Reminder.objects.get(invoice=invoices["Nora Park"], step=1).status == "paused"
    page.screenshot(
        path=os.path.join(artifacts_dir, "collections-outbox-paused.png"), full_page=True
    )

    page.click(f"#outbox-paused tr[data-invoice='{invoices['Nora Park'].pk}'] td.invoice a")
    page.wait_for_selector("#reminder-plan")
    plan = page.locator("#reminder-plan").inner_text()
    assert "Paused until resumed." in plan
    assert "EST · America/New_York" in plan
    page.screenshot(
        path=os.path.join(artifacts_dir, "collections-invoice-plan.png"), full_page=True
    )
    assert refused == []


def test_the_policy_example_follows_the_form_and_needs_attention_lists_replies(
    page, live_server, artifacts_dir
):
    refused = refusals(page)
    org, invoices = organization_with_tomorrows_reminders()
    invoice_apply_reply(invoice_id=invoices["Kenji Sato"].pk, action="dispute", text="Dispute")
    staff_user_set(username="ada", password=PASSWORD, organization=org, role="admin")
    log_in(page, live_server, "ada")

    # The page's script arrives only after the clerk changed the due date (a slow connection):
    # it must still render the example for the date in the field.
    held = []
    page.route("**/reminder_policy.js", lambda route: held.append(route))
    page.click("text=Reminders")
    page.wait_for_selector("#example-rows")
    plan = page.locator("#example-plan")  # waits by polling, not by eval (the CSP forbids it)
    for _ in range(100):  # the browser asks for the script; it is held until the date is typed
        if held:
            break
        page.wait_for_timeout(50)
    page.fill("#id_example-due_date", "2027-03-10")
    held[0].continue_()
    page.unroute("**/reminder_policy.js")
    expect(plan).to_contain_text("Tue 09 Mar 2027, 09:00 CET")
    page.fill("#id_steps-0-offset", "-3")
    expect(plan).to_contain_text("Sun 07 Mar 2027, 09:00 CET")
    page.uncheck("#id_business_days_6")  # Sunday
    expect(plan).to_contain_text("Mon 08 Mar 2027, 09:00 CET")
    page.click("[data-add-row=holidays]")
    page.fill("#id_holidays-2-day", "2027-03-08")
    expect(plan).to_contain_text("Tue 09 Mar 2027, 09:00 CET")
    assert page.locator("#example-update").is_hidden()
    page.screenshot(path=os.path.join(artifacts_dir, "collections-policy.png"), full_page=True)

    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")
    saved = policy_as_json(ReminderPolicy.objects.get(organization=org))
    assert (saved["steps"], saved["holidays"], saved["business_days"]) == (
        [-3, 7],
        ["2027-03-08"],
        [1, 2, 3, 4, 5, 6],
    )

    page.click(".collections-nav >> text=Needs attention")
    page.wait_for_selector("#attention-dispute tr.attention-row")
    assert "Kenji Sato" in page.locator("#attention-dispute").inner_text()
    page.screenshot(path=os.path.join(artifacts_dir, "collections-attention.png"), full_page=True)
    assert refused == []
