"""What the progress page and its status URL show, and the job's result file."""

from collections.abc import Iterator

from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from billing.bulk.models import BulkJob, BulkRow
from billing.money import to_major
from billing.reports.exports import Table

ERRORS_SHOWN = 50
RESULT_HEADERS = ("Invoice", "Customer", "Currency", "Total", "Outcome", "Detail", "Processed")
UNPROCESSED = "Not processed: the job was cancelled."


def elapsed_seconds(job: BulkJob) -> int:
    if job.started_at is None:
        return 0
    return int(((job.finished_at or timezone.now()) - job.started_at).total_seconds())


def elapsed_text(seconds: int) -> str:
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"


def percent(job: BulkJob) -> int:
    return 100 if not job.total else job.done * 100 // job.total


def invoice_url(invoice_id) -> str:
    return reverse("admin:billing_invoice_change", args=[invoice_id])


def job_errors(job: BulkJob, limit: int = ERRORS_SHOWN) -> list[dict]:
    """The failed rows (the first ``limit``), each with a link to its invoice."""
    rows = (
        job.rows.filter(outcome=BulkRow.Outcome.FAILED)
        .select_related("invoice__customer")
        .order_by("id")[:limit]
    )
    return [
        {
            "invoice": row.invoice.number or f"Draft for {row.invoice.customer}",
            "url": invoice_url(row.invoice_id),
            "error": row.detail,
        }
        for row in rows
    ]


def job_status(job: BulkJob) -> dict:
    """The status URL's answer: everything the progress page updates without a reload."""
    seconds = elapsed_seconds(job)
    return {
        "started": job.started_at is not None,
        "status": job.status,
        "status_label": job.get_status_display(),
        "finished": job.finished,
        "total": job.total,
        "done": job.done,
        "failed": job.failed,
        "awaiting": job.awaiting,
        "percent": percent(job),
        "elapsed_seconds": seconds,
        "elapsed": elapsed_text(seconds) if job.started_at else "not started yet",
        "errors": job_errors(job),
        "more_errors": max(0, job.failed - ERRORS_SHOWN),
        "result_url": reverse("admin:billing_bulkjob_result", args=[job.pk])
        if job.finished
        else "",
    }


def result_table(job: BulkJob) -> Table:
    return Table(name="Bulk job", headers=RESULT_HEADERS, rows=_result_rows(job))


def _result_rows(job: BulkJob) -> Iterator[tuple]:
    zone = job.organization.tzinfo
    rows = job.rows.select_related("invoice__customer").order_by("id")
    for row in rows.iterator(chunk_size=2000):
        invoice = row.invoice
        pending = row.outcome == BulkRow.Outcome.PENDING
        yield (
            invoice.number or "Draft",
            invoice.customer.name,
            invoice.currency,
            to_major(invoice.total, invoice.currency),
            row.get_outcome_display(),
            UNPROCESSED if pending and job.finished else row.detail,
            row.processed_at.astimezone(zone).isoformat() if row.processed_at else None,
        )


def selection_summary(invoices, *, organization) -> dict:
    """What the confirmation page says before a job is asked for: how many invoices, in which
    states, for how much, and who could not be reached on each channel."""
    from django.db.models import Count, Q, Sum

    from billing.money import format_amount

    by_status = dict(
        invoices.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    totals = invoices.order_by().values("currency").annotate(sum=Sum("total")).order_by("currency")
    no_email = Q(email="") & Q(customer__email="")
    no_whatsapp = (
        Q(customer__phone="")
        | Q(customer__whatsapp_opted_in_at__isnull=True)
        | Q(customer__whatsapp_opted_out_at__gt=F("customer__whatsapp_opted_in_at"))
    )
    counts = invoices.order_by().aggregate(
        count=Count("pk"),
        customers=Count("customer", distinct=True),
        no_email=Count("pk", filter=no_email),
        no_whatsapp=Count("pk", filter=no_whatsapp),
    )
    return {
        **counts,
        "drafts": by_status.get("DRAFT", 0),
        "not_drafts": counts["count"] - by_status.get("DRAFT", 0),
        "open": by_status.get("OPEN", 0),
        "not_open": counts["count"] - by_status.get("OPEN", 0),
        "totals": [format_amount(row["sum"] or 0, row["currency"]) for row in totals],
    }
