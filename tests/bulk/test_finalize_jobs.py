"""A finalize job: each draft once, consecutive numbers, resume-safe, cancellable, per-row
errors."""

import threading

import pytest
from django.db import connection

from billing.bulk.models import BulkJob, BulkRow
from billing.bulk.services import BulkRefused, bulk_job_cancel, bulk_job_run
from billing.bulk.tasks import run_bulk_job
from billing.models import Invoice, InvoiceEvent, InvoiceItem
from billing.services.actors import Actor
from tests.bulk.support import drafts, queued_job, staff

Status, Outcome = BulkJob.Status, BulkRow.Outcome


def opened_numbers(org) -> list[int]:
    return sorted(
        Invoice.objects.filter(organization=org, status="OPEN").values_list("sequence", flat=True)
    )


def open_moves(org) -> int:
    return InvoiceEvent.objects.filter(invoice__organization=org, to_status="OPEN").count()


@pytest.mark.django_db
def test_200_drafts_take_200_consecutive_numbers_once_even_when_the_task_runs_twice(
    org, monkeypatch
):
    drafts(org, 200)
    job = queued_job(monkeypatch, org=org, user=staff(org, "cleo", "clerk"))
    assert (job.status, job.total, job.rows.count()) == (Status.QUEUED, 200, 200)

    run_bulk_job(str(job.pk))  # chunk after chunk, each enqueuing the next
    run_bulk_job(str(job.pk))  # the same task delivered again

    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == (Status.DONE, 200, 0)
    assert opened_numbers(org) == list(range(1, 201))
    assert open_moves(org) == 200
    assert job.rows.filter(outcome=Outcome.DONE).count() == 200
    first = job.rows.order_by("id").first()
    assert first.detail == f"Finalized as {first.invoice.number}."
    assert job.started_at <= job.finished_at


@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_job_at_once_finalize_each_draft_once(org, monkeypatch):
    drafts(org, 200)
    job = queued_job(monkeypatch, org=org, user=staff(org, "cleo", "clerk"))
    failures: list = []
    start = threading.Barrier(2)

    def worker():
        try:
            start.wait(10)
            while bulk_job_run(job_id=job.pk, chunk=20):
                pass
        except Exception as exc:  # the assertion below names it
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert failures == []
    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == (Status.DONE, 200, 0)
    assert opened_numbers(org) == list(range(1, 201))
    assert open_moves(org) == 200


@pytest.mark.django_db
def test_cancel_stops_the_job_between_rows_and_the_rest_stays_draft(org, monkeypatch):
    drafts(org, 120)
    clerk = staff(org, "cleo", "clerk")
    job = queued_job(monkeypatch, org=org, user=clerk)

    assert bulk_job_run(job_id=job.pk, chunk=50) is True  # one chunk, more to do
    cancelled = bulk_job_cancel(job=job, actor=Actor.for_user(clerk))
    run_bulk_job(str(job.pk))  # the next chunk's task still arrives

    job.refresh_from_db()
    assert (cancelled.status, job.status, job.done, job.cancelled_by) == (
        Status.CANCELLED,
        Status.CANCELLED,
        50,
        clerk,
    )
    assert opened_numbers(org) == list(range(1, 51))
    assert Invoice.objects.filter(organization=org, status="DRAFT").count() == 70
    assert job.rows.filter(outcome=Outcome.PENDING).count() == 70
    with pytest.raises(BulkRefused, match=r"This job is cancelled already\."):
        bulk_job_cancel(job=job, actor=Actor.for_user(clerk))


@pytest.mark.django_db
def test_a_cancel_before_the_first_row_finalizes_nothing(org, monkeypatch):
    drafts(org, 3)
    clerk = staff(org, "cleo", "clerk")
    job = queued_job(monkeypatch, org=org, user=clerk)
    bulk_job_cancel(job=job, actor=Actor.for_user(clerk))
    assert run_bulk_job(str(job.pk)) is False
    job.refresh_from_db()
    assert (job.status, job.done, job.started_at) == (Status.CANCELLED, 0, None)
    assert open_moves(org) == 0


@pytest.mark.django_db
def test_errors_are_per_row_and_the_other_rows_go_through(org, monkeypatch):
    good = drafts(org, 3)
    empty = drafts(org, 1)[0]
    InvoiceItem.objects.filter(invoice=empty).delete()
    already_open = drafts(org, 1, status="OPEN")[0]  # INV-000001
    job = queued_job(monkeypatch, org=org, user=staff(org, "cleo", "clerk"))
    run_bulk_job(str(job.pk))

    job.refresh_from_db()
    assert (job.status, job.total, job.done, job.failed) == (Status.DONE, 5, 5, 2)
    failed = {row.invoice_id: row.detail for row in job.rows.filter(outcome=Outcome.FAILED)}
    assert failed == {
        empty.pk: "items should not be empty",
        already_open.pk: "Invoice INV-000001 is open and cannot become open.",
    }
    empty.refresh_from_db()
    assert (empty.status, empty.number) == ("DRAFT", None)
    assert sorted(i.number for i in Invoice.objects.filter(pk__in=[g.pk for g in good])) == [
        "INV-000002",
        "INV-000003",
        "INV-000004",
    ]
