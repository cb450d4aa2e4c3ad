"""Bulk jobs: asked for from the admin, run by the queue in chunks, cancelled between rows.

``_transition`` is the one place that assigns ``BulkJob.status``: a conditional UPDATE from the
statuses allowed to move, so two workers, a cancel and a finishing run never overwrite each
other. Each row is recorded in the transaction of its action, under a lock on the row and only
while it is still pending: a job run twice, or by two workers at once, acts on an invoice once.
"""

import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from billing.approvals.policy import bulk_needs_approval
from billing.approvals.services import (
    bulk_send_request,
    invoice_finalize_or_request,
    invoice_send_email_or_request,
    invoice_send_whatsapp_or_request,
)
from billing.bulk.models import BulkJob, BulkRow
from billing.errors import BillingError
from billing.models import ApprovalRequest, Invoice, Organization
from billing.models.choices import Channel
from billing.services.actors import Actor
from billing.services.delivery import channels_to_send
from billing.services.invoice_email import SendInvoiceEmail
from billing.services.roles import role_authorize
from notifications import status as message_status
from notifications.logs import mask_phone
from notifications.templating.errors import InvalidTemplateData

Kind, Status, Outcome = BulkJob.Kind, BulkJob.Status, BulkRow.Outcome
TRANSITIONS = {
    Status.AWAITING_APPROVAL: frozenset({Status.QUEUED, Status.CANCELLED}),
    Status.QUEUED: frozenset({Status.RUNNING, Status.CANCELLED}),
    Status.RUNNING: frozenset({Status.DONE, Status.CANCELLED}),
}
CHUNK = 50  # rows per queue task; the next task is enqueued when one ends
CHUNK_SECONDS = 20.0  # a task stops early well inside the queue's 60 s timeout
ROLE_ACTIONS = {Kind.FINALIZE: "finalize", Kind.SEND: "send"}


class BulkRefused(BillingError):
    """The job cannot be asked for or moved as asked (nothing selected, finished already)."""

    status_code = 409


def _transition(job_id, to: str, **fields) -> bool:
    """The only place that assigns ``BulkJob.status``; False when the job was not in a status
    that may move to ``to`` (another worker or a cancel got there first)."""
    sources = [source for source, targets in TRANSITIONS.items() if to in targets]
    moved = BulkJob.objects.filter(pk=job_id, status__in=sources).update(status=to, **fields)
    return moved == 1


# --- asking for a job ---------------------------------------------------------------------------
@transaction.atomic
def bulk_job_create(
    *,
    organization: Organization,
    kind: str,
    invoices: QuerySet,
    selection: dict,
    actor: Actor,
    channel: str = "",
) -> BulkJob:
    """Fix the selection as the job's rows and queue it (on commit). A clerk's send to
    ``approval_recipients`` invoices or more waits for an approver instead."""
    role_authorize(actor=actor, organization_id=organization.pk, action=ROLE_ACTIONS[kind])
    if kind == Kind.SEND and channel not in Channel.values:
        raise BulkRefused("Choose the channel to send on: WhatsApp or e-mail.")
    job = BulkJob.objects.create(
        organization=organization,
        kind=kind,
        channel=channel if kind == Kind.SEND else "",
        requested_by=actor.user,
        selection=selection,
    )
    job.total = _insert_rows(job, invoices.filter(organization=organization))
    if not job.total:
        raise BulkRefused("No invoices are selected: nothing was done.")
    waits = kind == Kind.SEND and bulk_needs_approval(
        organization=organization, actor=actor, recipients=job.total
    )
    job.status = Status.AWAITING_APPROVAL if waits else Status.QUEUED
    job.save(update_fields=["total", "status"])
    if waits:
        bulk_send_request(job=job, actor=actor, samples=_samples(job))
    else:
        _enqueue(job)
    return job


def _insert_rows(job: BulkJob, invoices: QuerySet) -> int:
    """One ``INSERT … SELECT``: the selection (an "all N matching" of any size) becomes the
    job's pending rows, in the changelist's order, without reading it into memory."""
    ids = invoices.prefetch_related(None).annotate(picked_id=F("pk")).values_list("picked_id")
    select_sql, params = ids.query.sql_with_params()
    quote = connection.ops.quote_name
    job_id = BulkRow._meta.get_field("job").get_db_prep_value(job.pk, connection)
    columns = ", ".join(quote(c) for c in ("job_id", "invoice_id", "outcome", "detail"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(BulkRow._meta.db_table)} ({columns}) "  # noqa: S608 (our tables)
            f"SELECT %s, picked.picked_id, %s, '' FROM ({select_sql}) picked",
            [job_id, Outcome.PENDING.value, *params],
        )
    return BulkRow.objects.filter(job=job).count()


def _samples(job: BulkJob) -> list[Invoice]:
    rows = job.rows.select_related("invoice__organization", "invoice__customer")[:5]
    return [row.invoice for row in rows]


def _enqueue(job: BulkJob) -> None:
    from billing.bulk.tasks import enqueue_bulk_job

    transaction.on_commit(lambda: enqueue_bulk_job(job.pk))


def bulk_job_approved(*, job: BulkJob, actor: Actor) -> None:
    """Called by the approval service when an approver approves the send: the approver is
    the actor of every row."""
    if not _transition(job.pk, Status.QUEUED, approved_by=actor.user):
        raise BulkRefused("This bulk job is not waiting for an approver.")
    _enqueue(job)


def bulk_job_rejected(*, job: BulkJob, actor: Actor, reason: str) -> None:
    _transition(
        job.pk, Status.CANCELLED, cancelled_by=actor.user, note=reason, finished_at=timezone.now()
    )


def bulk_job_cancel(*, job: BulkJob, actor: Actor) -> BulkJob:
    """Stop the job between two rows: rows done stay done, the rest are not processed."""
    role_authorize(actor=actor, organization_id=job.organization_id, action=ROLE_ACTIONS[job.kind])
    now = timezone.now()
    if not _transition(
        job.pk, Status.CANCELLED, cancelled_by=actor.user, finished_at=now, note="cancelled"
    ):
        raise BulkRefused(f"This job is {job.get_status_display().lower()} already.")
    job.refresh_from_db()
    return job


# --- running it -------------------------------------------------------------------------------
def bulk_job_run(*, job_id, chunk: int = CHUNK) -> bool:
    """Process up to ``chunk`` pending rows; True when rows are left for another run.

    Safe to call any number of times and from several workers at once."""
    now = timezone.now()
    _transition(job_id, Status.RUNNING, started_at=now)
    job = BulkJob.objects.select_related("organization", "requested_by", "approved_by").get(
        pk=job_id
    )
    if job.status != Status.RUNNING:
        return False
    actor = Actor.for_user(job.approved_by or job.requested_by)
    deadline = time.monotonic() + CHUNK_SECONDS
    pending = job.rows.filter(outcome=Outcome.PENDING).values_list("pk", flat=True)
    for row_id in list(pending[:chunk]):
        if time.monotonic() > deadline or not _process(job, row_id, actor):
            break
    if BulkJob.objects.filter(pk=job_id, status=Status.RUNNING).exists() and pending.exists():
        return True
    _transition(job_id, Status.DONE, finished_at=timezone.now())
    return False


@transaction.atomic
def _process(job: BulkJob, row_id: int, actor: Actor) -> bool:
    """One row in one transaction with its action; False once the job is cancelled."""
    row = (
        BulkRow.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("invoice__organization", "invoice__customer")
        .filter(pk=row_id, outcome=Outcome.PENDING, job__status=Status.RUNNING)
        .first()
    )
    if row is None:  # recorded by another run, or the job was cancelled
        return BulkJob.objects.filter(pk=job.pk, status=Status.RUNNING).exists()
    result = _act(job, row.invoice, actor)
    row.outcome, row.detail, row.approval = result.outcome, result.detail, result.approval
    row.processed_at = timezone.now()
    row.save(update_fields=["outcome", "detail", "approval", "processed_at"])
    BulkJob.objects.filter(pk=job.pk).update(
        done=F("done") + 1,
        failed=F("failed") + int(result.outcome == Outcome.FAILED),
        awaiting=F("awaiting") + int(result.outcome == Outcome.APPROVAL),
    )
    return True


@dataclass(frozen=True)
class RowResult:
    outcome: str
    detail: str
    approval: ApprovalRequest | None = None


def _act(job: BulkJob, invoice: Invoice, actor: Actor) -> RowResult:
    """The single action's own service; each is atomic, so a refusal leaves nothing behind."""
    try:
        if job.kind == Kind.FINALIZE:
            return _finalized(invoice_finalize_or_request(invoice=invoice, actor=actor))
        channels_to_send(invoice, [job.channel])
        return _sent(_send(job.channel, invoice, actor))
    except (BillingError, InvalidTemplateData) as exc:
        return RowResult(Outcome.FAILED, " ".join(exc.messages))


def _send(channel: str, invoice: Invoice, actor: Actor):
    if channel == Channel.WHATSAPP:
        return invoice_send_whatsapp_or_request(invoice=invoice, actor=actor)
    return invoice_send_email_or_request(invoice=invoice, actor=actor, request=SendInvoiceEmail())


def _finalized(result) -> RowResult:
    if isinstance(result, ApprovalRequest):
        return RowResult(Outcome.APPROVAL, "Waiting for an approver.", result)
    return RowResult(Outcome.DONE, f"Finalized as {result.number}.")


def _sent(result) -> RowResult:
    if isinstance(result, ApprovalRequest):
        return RowResult(Outcome.APPROVAL, "Waiting for an approver.", result)
    message = result.message
    if message.status == message_status.REJECTED:
        return RowResult(Outcome.FAILED, message.last_error_message or "Refused by the channel.")
    if not result.created:
        return RowResult(Outcome.DONE, f"Already on its way ({message.status}): not sent again.")
    recipient = message.recipient
    if message.channel == Channel.WHATSAPP:
        recipient = mask_phone(recipient)
    return RowResult(Outcome.DONE, f"Queued to {recipient}.")
