"""A send job: each open invoice through the single send's service, once; refusals per row."""

import pytest
from django.utils import timezone

from billing.bulk.models import BulkJob, BulkRow
from billing.bulk.tasks import run_bulk_job
from notifications.models import Message
from tests.bulk.support import drafts, queued_job, staff
from tests.factories import CustomerFactory

Status, Outcome = BulkJob.Status, BulkRow.Outcome
pytestmark = pytest.mark.django_db


def test_an_email_send_queues_one_message_per_open_invoice_and_reports_who_has_no_address(
    org, monkeypatch
):
    reachable = drafts(org, 3, status="OPEN")
    silent = CustomerFactory(organization=org, email="")
    (unreachable,) = drafts(org, 1, status="OPEN", customer=silent)
    (draft,) = drafts(org, 1)
    unreachable.email = ""
    unreachable.save(update_fields=["email"])
    job = queued_job(
        monkeypatch, org=org, user=staff(org, "cleo", "clerk"), kind="send", channel="email"
    )
    monkeypatch.setattr("django_q.conf.Conf.SYNC", False)  # messages stay queued: no delivery
    run_bulk_job(str(job.pk))
    run_bulk_job(str(job.pk))  # delivered twice: nothing is sent again

    job.refresh_from_db()
    assert (job.status, job.total, job.done, job.failed) == (Status.DONE, 5, 5, 2)
    failed = {row.invoice_id: row.detail for row in job.rows.filter(outcome=Outcome.FAILED)}
    assert failed == {
        unreachable.pk: "The customer has no e-mail address",
        draft.pk: "Draft invoices cannot be sent: finalize the invoice first",
    }
    sent = Message.objects.filter(channel="email", purpose="invoice_issued")
    assert sorted(m.subject_id for m in sent) == sorted(str(i.pk) for i in reachable)
    assert {m.recipient for m in sent} == {"billing@example.com"}
    assert {m.created_by for m in sent} == {"user:cleo"}
    done = job.rows.filter(outcome=Outcome.DONE)
    assert {row.detail for row in done} == {"Queued to billing@example.com."}


def test_a_whatsapp_send_records_the_consent_refusal_of_each_row(org, monkeypatch):
    consenting = CustomerFactory(
        organization=org, phone="+79001234510", whatsapp_opted_in_at=timezone.now()
    )
    (ok,) = drafts(org, 1, status="OPEN", customer=consenting)
    never_asked = CustomerFactory(organization=org, phone="+79001234511")
    (refused,) = drafts(org, 1, status="OPEN", customer=never_asked)
    job = queued_job(
        monkeypatch, org=org, user=staff(org, "cleo", "clerk"), kind="send", channel="whatsapp"
    )
    monkeypatch.setattr("django_q.conf.Conf.SYNC", False)
    run_bulk_job(str(job.pk))

    job.refresh_from_db()
    rows = {row.invoice_id: (row.outcome, row.detail) for row in job.rows.all()}
    assert rows == {
        ok.pk: (Outcome.DONE, "Queued to +*******4510."),
        refused.pk: (Outcome.FAILED, "The customer has not opted in to WhatsApp messages."),
    }
    assert (job.done, job.failed) == (2, 1)
    statuses = dict(Message.objects.values_list("subject_id", "status"))
    assert statuses == {str(ok.pk): "queued", str(refused.pk): "rejected"}
