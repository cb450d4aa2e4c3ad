"""The admin as a workspace in a real browser: a clerk stays inside their organization, and an
approver decides a request looking at the messages it would send."""

import os

import pytest

from billing.approvals.services import invoice_finalize_or_request
from billing.models import ApprovalRequest, Invoice
from billing.services.actors import Actor
from billing.services.roles import staff_user_set
from notifications.models import Message
from tests.browser.support import fill_draft, log_in
from tests.factories import CustomerFactory, OrganizationFactory, ProductFactory, make_invoice
from tests.notifications.email_support import SmtpSink, issued_invoice, smtp_settings
from tests.notifications.whatsapp_support import seed_invoice, seed_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clerk_creates_and_finalizes_in_their_organization_and_cannot_open_another(
    page, live_server, artifacts_dir
):
    acme = OrganizationFactory(name="Acme Browser", default_currency="USD")
    CustomerFactory(organization=acme, name="Jane Browser", email="jane@example.com")
    ProductFactory(organization=acme, name="Consulting hour", unit_price=12000)
    bravo = OrganizationFactory(name="Bravo Ltd", default_currency="USD")
    CustomerFactory(organization=bravo, name="Bravo customer")
    theirs = make_invoice(bravo, status="OPEN", name="Bravo secret")
    staff_user_set(username="clara", password="pw-browser-1", organization=acme, role="clerk")

    log_in(page, live_server, "clara")
    assert page.text_content(".workspace-current") == "Acme Browser"
    page.goto(f"{live_server.url}/admin/billing/invoice/add/")
    assert page.locator("#id_organization").is_disabled()
    assert page.locator("#id_organization option:checked").inner_text() == "Acme Browser"
    customers = page.locator("#id_customer option").all_inner_texts()
    assert customers == ["---------", "Jane Browser"]
    fill_draft(page, customer="Jane Browser", name="Q3 services", lines=[("Consulting hour", "3")])
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    page.click("a.lifecycle-finalize")
    page.click("input[name=confirm]")
    page.wait_for_selector(".messagelist .success")
    assert "INV-000001" in page.inner_text("fieldset")
    page.screenshot(path=os.path.join(artifacts_dir, "workspace-clerk-finalized.png"))

    mine = Invoice.objects.get(organization=acme)
    assert (mine.number, mine.status, mine.total) == ("INV-000001", "OPEN", 36000)
    assert list(mine.events.values_list("to_status", "actor_label")) == [
        ("DRAFT", "user:clara"),
        ("OPEN", "user:clara"),
    ]

    listed = page.goto(f"{live_server.url}/admin/billing/invoice/")
    assert listed.status == 200
    assert "Bravo" not in page.content()
    response = page.goto(f"{live_server.url}/admin/billing/invoice/{theirs.pk}/change/")
    assert response.status == 404
    assert "Bravo secret" not in page.content()
    page.screenshot(path=os.path.join(artifacts_dir, "workspace-clerk-other-org-404.png"))


def test_an_approver_approves_seeing_the_whatsapp_and_the_email(
    page, live_server, artifacts_dir, stub_channel
):
    org = seed_org()
    org.approval_amounts = {"RUB": "10000"}
    org.save(update_fields=["approval_amounts"])
    invoice = seed_invoice(org, status="DRAFT")  # sent by hand once issued
    clerk = staff_user_set(username="carl", password="pw-browser-1", organization=org, role="clerk")
    approval = invoice_finalize_or_request(invoice=invoice, actor=Actor.for_user(clerk.user))
    staff_user_set(username="anna", password="pw-browser-1", organization=org, role="approver")

    log_in(page, live_server, "anna")
    page.goto(f"{live_server.url}/admin/billing/approvalrequest/")
    page.click(f"a[href$='/approvalrequest/{approval.pk}/change/']")
    page.click("a.approval-approve")
    page.wait_for_selector(".approval-rendered")
    bubble = page.inner_text(".approval-whatsapp .whatsapp-bubble")
    assert bubble.startswith("Hello, Alexey! Invoice #INV-2024-0842")
    assert page.inner_text(".approval-email-subject") == "Invoice INV-2024-0842 from Acme"
    assert "INV-2024-0842" in page.inner_text(".approval-email-text")
    page.screenshot(path=os.path.join(artifacts_dir, "workspace-approve.png"), full_page=True)

    page.click("input[name=confirm]")
    page.wait_for_selector(".messagelist li")
    assert page.inner_text(".messagelist") == "Finalize INV-2024-0842 (Approved)."
    invoice.refresh_from_db()
    approval.refresh_from_db()
    assert (invoice.status, invoice.number) == ("OPEN", "INV-2024-0842")
    assert (approval.status, approval.decided_by.username) == (
        ApprovalRequest.Status.APPROVED,
        "anna",
    )
    assert Message.objects.count() == 0
    page.screenshot(path=os.path.join(artifacts_dir, "workspace-approved.png"), full_page=True)


def test_a_clerks_large_email_waits_and_the_approver_sees_it_as_it_will_go_out(
    page, live_server, artifacts_dir, settings
):
    invoice = issued_invoice()  # 2,549.99 USD
    org = invoice.organization
    org.approval_amounts = {invoice.currency: "1000"}
    org.save(update_fields=["approval_amounts"])
    staff_user_set(username="carl", password="pw-browser-1", organization=org, role="clerk")
    staff_user_set(username="anna", password="pw-browser-1", organization=org, role="approver")

    with SmtpSink() as sink:
        smtp_settings(settings, sink.port)
        log_in(page, live_server, "carl")
        page.goto(f"{live_server.url}/admin/billing/invoice/{invoice.pk}/email/")
        page.fill("#id_subject", "Your invoice {:Invoice.Number:}")
        page.fill("#id_body", "Dear {:Customer.Name:}, please pay {:Invoice.AmountDue:}.")
        page.click("#send-email")
        page.wait_for_selector(".messagelist li")
        assert page.inner_text(".messagelist") == (
            f"E-mailing invoice {invoice} needs approval: the request waits for an approver."
        )
        assert (sink.received, Message.objects.count()) == ([], 0)
        approval = ApprovalRequest.objects.get()

        page.context.clear_cookies()
        log_in(page, live_server, "anna")
        page.goto(f"{live_server.url}/admin/billing/approvalrequest/{approval.pk}/change/")
        page.click("a.approval-approve")
        page.wait_for_selector(".approval-rendered")
        assert page.inner_text(".approval-email-subject") == "Your invoice INV-000001"
        assert "Dear Jane Doe, please pay 2,549.99 USD." in page.inner_text(".approval-email-text")
        assert page.locator(".approval-whatsapp").count() == 0
        page.screenshot(
            path=os.path.join(artifacts_dir, "workspace-approve-email.png"), full_page=True
        )

        page.click("input[name=confirm]")
        page.wait_for_selector(".messagelist li")
        assert page.inner_text(".messagelist") == "E-mail INV-000001 (Approved)."
    assert len(sink.received) == 1
    assert b"Subject: Your invoice INV-000001" in sink.received[0].content
    assert Message.objects.get().created_by == "user:anna"
