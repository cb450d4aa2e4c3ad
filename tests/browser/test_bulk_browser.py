"""A bulk send from the invoice changelist in a real browser: confirmation, then the progress
page filling up to 100 % without a reload while a real queue cluster works the job and a real
SMTP server receives the e-mails (screenshots in test-artifacts/)."""

import os
import signal
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django_q.conf import Conf

from billing.bulk.models import BulkJob
from billing.bulk.tasks import run_bulk_job
from billing.models import Invoice, InvoiceItem
from notifications.models import Message
from tests.api.server import database_url
from tests.browser.support import log_in
from tests.bulk.support import drafts, queued_job, staff
from tests.factories import CustomerFactory, OrganizationFactory
from tests.notifications.email_support import SmtpSink
from tests.notifications.test_whatsapp_sandbox import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
INVOICES = 60


def start_cluster(smtp_port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def test_a_bulk_send_shows_its_progress_reaching_100_percent(
    page, live_server, artifacts_dir, monkeypatch
):
    org = OrganizationFactory(name="Bulk Ltd", slug="bulk", attach_pdf=False)
    for n in range(INVOICES // 20):
        customer = CustomerFactory(
            organization=org, name=f"Customer {n + 1}", email=f"ap{n + 1}@example.com"
        )
        drafts(org, 20, status="OPEN", customer=customer)
    staff(org, "anna", "approver")
    monkeypatch.setattr(Conf, "SYNC", False)  # the live server enqueues on the real broker

    log_in(page, live_server, "anna", "pw-bulk-123")
    page.goto(f"{live_server.url}/admin/billing/invoice/?status=OPEN")
    page.check("#action-toggle")
    page.select_option("select[name=action]", "bulk_send")
    page.click("button[name=index]")

    page.wait_for_selector("#bulk-confirm")
    assert page.inner_text("h1") == f"Send {INVOICES} invoices?"
    summary = page.inner_text(".bulk-summary")
    assert f"{INVOICES} invoices for 3 customers, totalling 6,000.00 USD." in summary
    assert page.inner_text(".bulk-email-gap").strip() == "E-mail — every invoice has an address."
    assert page.is_checked("input[name=channel][value=email]")  # it reaches them all
    page.screenshot(path=os.path.join(artifacts_dir, "bulk-send-confirm.png"), full_page=True)
    page.click("input[name=confirm]")

    page.wait_for_selector("#bulk-progress")
    assert page.inner_text("#bulk-status-label") == "Queued"
    assert page.inner_text("#bulk-elapsed") == "not started yet"
    assert page.inner_text(".bulk-counts") == f"0 of {INVOICES} done (0 %) · 0 failed"
    page.screenshot(path=os.path.join(artifacts_dir, "bulk-send-queued.png"), full_page=True)
    page.evaluate("window.stillThisPage = true")  # gone if the page reloads

    with SmtpSink() as sink:
        cluster = start_cluster(sink.port)
        try:
            # The page's script marks the end; a selector wait needs no eval (the CSP forbids it).
            page.wait_for_selector("#bulk-progress[data-finished=true]", timeout=90_000)
            assert page.evaluate("window.stillThisPage") is True
            assert page.inner_text("#bulk-status-label") == "Done"
            assert page.inner_text(".bulk-counts") == (
                f"{INVOICES} of {INVOICES} done (100 %) · 0 failed"
            )
            assert page.is_visible("#bulk-result-link")
            assert page.is_hidden("#bulk-cancel")
            assert page.inner_text("#bulk-no-errors") == "No errors."
            page.screenshot(path=os.path.join(artifacts_dir, "bulk-send-done.png"), full_page=True)
            sent = Message.objects.filter(status="sent")
            assert wait_for(lambda: sent.count() == INVOICES, seconds=90)
        finally:
            os.killpg(cluster.pid, signal.SIGKILL)
            cluster.wait(timeout=10)

    job = BulkJob.objects.get()
    assert (job.status, job.done, job.failed, job.channel) == ("done", INVOICES, 0, "email")
    assert len(sink.received) == INVOICES
    recipients = sorted({rcpt for envelope in sink.received for rcpt in envelope.rcpt_tos})
    assert recipients == ["ap1@example.com", "ap2@example.com", "ap3@example.com"]
    with page.expect_download() as download:
        page.click("#bulk-result-link")
    assert download.value.suggested_filename.startswith("bulk-send-")


def test_a_finished_job_lists_its_errors_and_a_large_send_shows_its_approval(
    page, live_server, artifacts_dir, monkeypatch
):
    org = OrganizationFactory(name="Bulk Ltd", slug="bulk", attach_pdf=False)
    org.approval_recipients = 2
    org.save(update_fields=["approval_recipients"])
    clerk = staff(org, "cleo", "clerk")
    staff(org, "anna", "approver")
    fine = drafts(org, 2)
    nobody = CustomerFactory(organization=org, name="Silent Partner GmbH", email="")
    (empty,) = drafts(org, 1, customer=nobody)
    InvoiceItem.objects.filter(invoice=empty).delete()
    job = queued_job(monkeypatch, org=org, user=clerk, invoices=Invoice.objects.filter(
        pk__in=[empty.pk, *(i.pk for i in fine)]
    ))  # fmt: skip
    run_bulk_job(str(job.pk))
    send = queued_job(
        monkeypatch,
        org=org,
        user=clerk,
        kind="send",
        channel="email",
        invoices=Invoice.objects.filter(status="OPEN"),
    )

    log_in(page, live_server, "anna", "pw-bulk-123")
    page.goto(f"{live_server.url}/admin/billing/bulkjob/{job.pk}/progress/")
    assert page.inner_text(".bulk-counts") == "3 of 3 done (100 %) · 1 failed"
    assert page.inner_text("#bulk-errors tbody") == (
        "Draft for Silent Partner GmbH\titems should not be empty"
    )
    page.screenshot(path=os.path.join(artifacts_dir, "bulk-finalize-errors.png"), full_page=True)
    page.click("#bulk-errors a")
    assert page.url.endswith(f"/admin/billing/invoice/{empty.pk}/change/")

    page.goto(f"{live_server.url}/admin/billing/bulkjob/{send.pk}/progress/")
    assert "This send waits for an approver" in page.inner_text(".approval-needed")
    page.screenshot(path=os.path.join(artifacts_dir, "bulk-send-waiting.png"), full_page=True)
    page.click(".approval-needed a")
    page.click("a.approval-approve")
    page.wait_for_selector(".approval-bulk")
    page.wait_for_load_state("load")  # the e-mails' frames
    assert page.inner_text("h1") == "Approve: Send by e-mail · 2 invoices (Pending)?"
    assert page.locator(".approval-bulk .approval-email").count() == 2
    page.screenshot(path=os.path.join(artifacts_dir, "bulk-send-approve.png"), full_page=True)
