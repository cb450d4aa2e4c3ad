"""The admin's side: the actions' confirmation, "all N matching", the progress page, its status
URL, the result file, cancel, roles and tenancy."""

import csv
import io

import pytest
from django.urls import reverse

from billing.bulk.models import BulkJob, BulkRow
from billing.bulk.tasks import run_bulk_job
from billing.models import Invoice, InvoiceItem
from tests.bulk.support import drafts, staff
from tests.factories import CustomerFactory, OrganizationFactory

Status, Outcome = BulkJob.Status, BulkRow.Outcome
pytestmark = pytest.mark.django_db
CHANGELIST = "admin:billing_invoice_changelist"


@pytest.fixture
def clerk_client(client, org):
    client.force_login(staff(org, "cleo", "clerk"))
    return client


def progress_url(job, page="progress"):
    return reverse(f"admin:billing_bulkjob_{page}", args=[job.pk])


def ask(client, invoices, action="bulk_finalize", query="", **extra):
    data = {"action": action, "_selected_action": [i.pk for i in invoices], **extra}
    return client.post(reverse(CHANGELIST) + query, data)


def test_finalize_asks_first_and_says_what_will_happen_to_how_many(clerk_client, org):
    invoices = drafts(org, 3) + drafts(org, 1, status="OPEN")
    page = ask(clerk_client, invoices).content.decode()
    assert "<h1>Finalize 4 invoices?</h1>" in page
    assert "<strong>3</strong> drafts will be finalized; <strong>1</strong> is not a draft" in page
    assert "totalling 400.00 USD" in page
    assert page.count('<tr><td><a href="/admin/billing/invoice/') == 4
    assert 'value="Yes, finalize 4 invoices"' in page
    assert BulkJob.objects.count() == 0
    assert Invoice.objects.filter(status="DRAFT").count() == 3


def test_confirming_queues_the_job_and_lands_on_its_progress_page(clerk_client, org):
    invoices = drafts(org, 3)
    answer = ask(clerk_client, invoices, post="yes")
    job = BulkJob.objects.get()
    assert answer.status_code == 302 and answer["Location"] == progress_url(job)
    assert (job.kind, job.status, job.total, job.requested_by.username) == (
        "finalize",
        Status.QUEUED,
        3,
        "cleo",
    )
    assert job.selection == {"ids": [str(i.pk) for i in invoices]}
    page = clerk_client.get(progress_url(job)).content.decode()
    assert 'src="/static/billing/bulk_progress.js"' in page
    assert f'data-status-url="{progress_url(job, "status")}"' in page
    assert 'max="3" value="0"' in page and "Queued" in page


def test_all_matching_the_filter_takes_every_row_of_the_filter_beyond_the_page(clerk_client, org):
    invoices = drafts(org, 130)
    drafts(org, 5, status="OPEN")
    on_page = invoices[:100]
    confirm = ask(clerk_client, on_page, query="?status=DRAFT", select_across="1")
    assert "<h1>Finalize 130 invoices?</h1>" in confirm.content.decode()
    ask(clerk_client, on_page, query="?status=DRAFT", select_across="1", post="yes")
    job = BulkJob.objects.get()
    assert (job.total, job.selection) == (130, {"filter": "status=DRAFT"})
    assert set(job.rows.values_list("invoice_id", flat=True)) == {i.pk for i in invoices}


def test_send_asks_for_the_channel_and_says_who_cannot_be_reached(clerk_client, org):
    org.approval_recipients = 2
    org.save(update_fields=["approval_recipients"])
    invoices = drafts(org, 2, status="OPEN")
    page = ask(clerk_client, invoices, action="bulk_send").content.decode()
    assert "<h1>Send 2 invoices?</h1>" in page
    # E-mail reaches more of them: it is the one offered
    assert 'name="channel" value="email" required checked>' in page
    assert 'name="channel" value="whatsapp" required>' in page
    assert "<strong>E-mail</strong> —\n      every invoice has an address." in page
    assert "<strong>2</strong> of them have no number or no consent" in page
    assert "reaches the organization's approval limit (2 recipients)" in page

    answer = ask(clerk_client, invoices, action="bulk_send", channel="email", post="yes")
    job = BulkJob.objects.get()
    assert (job.status, job.channel) == (Status.AWAITING_APPROVAL, "email")
    assert answer["Location"] == progress_url(job)
    progress = clerk_client.get(progress_url(job)).content.decode()
    assert "This send waits for an approver" in progress


def test_status_errors_and_result_file_after_the_job(clerk_client, org):
    evil = CustomerFactory(organization=org, name='=HYPERLINK("http://x")', email="e@x.com")
    (empty,) = drafts(org, 1, customer=evil)
    InvoiceItem.objects.filter(invoice=empty).delete()
    fine = drafts(org, 2)
    ask(clerk_client, [empty, *fine], post="yes")
    job = BulkJob.objects.get()
    run_bulk_job(str(job.pk))

    state = clerk_client.get(progress_url(job, "status")).json()
    assert {k: state[k] for k in ("status", "total", "done", "failed", "percent", "finished")} == {
        "status": "done",
        "total": 3,
        "done": 3,
        "failed": 1,
        "percent": 100,
        "finished": True,
    }
    assert state["errors"] == [
        {
            "invoice": 'Draft for =HYPERLINK("http://x")',
            "url": reverse("admin:billing_invoice_change", args=[empty.pk]),
            "error": "items should not be empty",
        }
    ]
    assert state["result_url"] == progress_url(job, "result")

    download = clerk_client.get(state["result_url"])
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert rows[0] == ["Invoice", "Customer", "Currency", "Total", "Outcome", "Detail", "Processed"]
    by_invoice = {row[0]: row[1:6] for row in rows[1:]}
    assert len(rows) == 4
    assert by_invoice["Draft"] == ["'=HYPERLINK(\"http://x\")", "USD", "100.00", "Failed",
                                   "items should not be empty"]  # fmt: skip
    numbers = sorted(number for number in by_invoice if number != "Draft")
    assert numbers == ["INV-000001", "INV-000002"]
    assert by_invoice["INV-000001"][3:] == ["Done", "Finalized as INV-000001."]


def test_the_result_file_waits_for_the_end_and_cancel_is_a_post(clerk_client, org):
    ask(clerk_client, drafts(org, 2), post="yes")
    job = BulkJob.objects.get()
    assert clerk_client.get(progress_url(job, "result")).status_code == 404
    assert clerk_client.get(progress_url(job, "cancel")).status_code == 405
    answer = clerk_client.post(progress_url(job, "cancel"))
    assert answer["Location"] == progress_url(job)
    job.refresh_from_db()
    assert (job.status, job.done) == (Status.CANCELLED, 0)
    rows = b"".join(clerk_client.get(progress_url(job, "result")).streaming_content).decode()
    assert rows.count("Not processed: the job was cancelled.") == 2


def test_a_viewer_is_not_offered_the_actions_and_cannot_run_them(client, org):
    invoices = drafts(org, 2)
    client.force_login(staff(org, "vic", "viewer"))
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert 'value="bulk_finalize"' not in page and 'value="bulk_send"' not in page
    ask(client, invoices, post="yes")
    assert BulkJob.objects.count() == 0


def test_another_organizations_job_is_a_404_everywhere(clerk_client, org, client):
    ask(clerk_client, drafts(org, 2), post="yes")
    job = BulkJob.objects.get()
    other = OrganizationFactory(name="Other Ltd", slug="other")
    client.force_login(staff(other, "olga", "admin"))
    for page in ("progress", "status", "result"):
        assert client.get(progress_url(job, page)).status_code == 404
    assert client.post(progress_url(job, "cancel")).status_code == 404
    assert client.get(reverse("admin:billing_bulkjob_change", args=[job.pk])).status_code == 404
    listing = client.get(reverse("admin:billing_bulkjob_changelist")).content.decode()
    assert str(job.pk) not in listing
    job.refresh_from_db()
    assert job.status == Status.QUEUED
