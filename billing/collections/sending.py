"""The every-minute job: claim due reminders, re-check each at send time, send it once.

A claim is a conditional ``planned → sending`` update committed before anything is sent; the
message goes through the notifications pipeline with purpose ``reminder`` and the step as its
key, so a job run twice, two clusters or a worker killed after the provider accepted still give
one message per step (the pipeline's unique index). A row left ``sending`` by a dead worker is
claimed again once its lease expires and finds its message there.
"""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from billing.collections import states
from billing.collections.content import invoice_subject_type, recipient_and_context
from billing.collections.models import Reminder, ReminderPolicy
from billing.collections.plan import recipient_zone
from billing.collections.policy import min_gap, policy_for, window_of
from billing.collections.slots import NoSlot, next_slot
from billing.models import Invoice
from billing.models.choices import Channel
from billing.services.whatsapp import consent_refusal
from notifications import pipeline
from notifications.models import Message

S = Reminder.Status
PURPOSE = "reminder"
BATCH = 200
LEASE = timedelta(minutes=5)
# One run keeps claiming batches until nothing is due, within the queue's 60 s task timeout;
# a backlog larger than that goes on in the next minute's run.
BUDGET_SECONDS = 40.0


@dataclass(frozen=True)
class Verdict:
    """What a failed re-check does to the row: ``to`` with ``reason`` (and a new time)."""

    to: str
    reason: str
    planned_at: datetime | None = None
    paused_until: object = None


def step_key(reminder: Reminder) -> str:
    return f"step:{reminder.step}"


def due_reminders(now: datetime, limit: int = BATCH) -> list:
    """Ids of planned rows due now and of rows whose worker's lease ran out (both indexed)."""
    planned = Reminder.objects.filter(status=S.PLANNED, planned_at__lte=now)
    stale = Reminder.objects.filter(status=S.SENDING, lease_until__lt=now)
    ids = list(planned.order_by("planned_at").values_list("pk", flat=True)[:limit])
    stale_ids = stale.order_by("lease_until").values_list("pk", flat=True)
    return ids + list(stale_ids[: max(0, limit - len(ids))])


def resume_due(now: datetime) -> int:
    """Paused rows whose pause has ended return to planned (the send-time checks still run)."""
    ended = Reminder.objects.filter(status=S.PAUSED, paused_until__lt=now.date())
    ended = ended.order_by("paused_until")  # not the model's order: that joins the invoices
    count = 0
    for reminder_id in list(ended.values_list("pk", flat=True)[:BATCH]):
        count += states.reminder_transition(
            reminder_id, S.PLANNED, reason="pause ended", expect=S.PAUSED
        )
    return count


def claim(reminder_id, now: datetime) -> bool:
    lease = {"lease_until": now + LEASE}
    # Still due: a re-plan may have moved the row later since it was listed.
    if states.reminder_transition(
        reminder_id,
        S.SENDING,
        reason="claimed",
        fields=lease,
        expect=S.PLANNED,
        where=Q(planned_at__lte=now),
    ):
        return True
    return states.reminder_transition(
        reminder_id,
        S.SENDING,
        reason="claimed again after an expired lease",
        fields=lease,
        expect=S.SENDING,
        where=Q(lease_until__lt=now),
    )


def send_due(*, now: datetime | None = None) -> dict[str, int]:
    """The queue job: every claimed row ends sent, skipped, cancelled, paused or re-planned;
    then WhatsApp messages not delivered in time fall back to e-mail, and invoices past their
    due date are marked overdue once."""
    from billing.collections.fallback import not_delivered_sweep
    from billing.collections.overdue import overdue_sweep

    now = now or timezone.now()
    report: dict[str, int] = {}
    resumed = resume_due(now)
    if resumed:
        report["resumed"] = resumed
    deadline = time.monotonic() + BUDGET_SECONDS
    while time.monotonic() < deadline and _send_batch(now, report):
        pass
    fallbacks = not_delivered_sweep(now=now)
    if fallbacks:
        report["fallback"] = fallbacks
    overdue = overdue_sweep(now=now)
    if overdue:
        report["overdue"] = overdue
    return report


def _send_batch(now: datetime, report: dict[str, int]) -> bool:
    """One batch of due rows; whether any was claimed (each claimed row leaves the due set)."""
    claimed = False
    for reminder_id in due_reminders(now):
        if claim(reminder_id, now):
            claimed = True
            result = reminder_send(reminder_id=reminder_id, now=now)
            report[result] = report.get(result, 0) + 1
    return claimed


def _load(reminder_id) -> Reminder:
    return Reminder.objects.select_related(
        "invoice__organization", "invoice__customer", "invoice__organization__reminder_policy"
    ).get(pk=reminder_id)


@transaction.atomic
def reminder_send(*, reminder_id, now: datetime) -> str:
    """Re-check a claimed reminder and send it; returns the status it ended in.

    One transaction: the message, the row's move and the invoice's flag commit together (a
    worker dying before that leaves the row claimed, and it is claimed again after its lease),
    and on SQLite the job takes the write lock once per reminder through the prompt writer
    queue instead of once per statement through SQLite's busy handler, whose sleeps grow to
    100 ms while the queue's workers write too."""
    reminder = _load(reminder_id)
    invoice = reminder.invoice
    existing = _own_message(reminder)
    if existing is None:
        verdict = recheck(reminder, policy_for(invoice.organization), now)
        if verdict is not None:
            return _apply(reminder, verdict)
        recipient, context = recipient_and_context(invoice, reminder.channel, _today(invoice, now))
        existing = pipeline.request_send(
            tenant_id=invoice.organization_id,
            subject=invoice,
            purpose=PURPOSE,
            channel=reminder.channel,
            recipient=recipient,
            context=context,
            created_by="system:reminders",
            key=step_key(reminder),
        ).message
    states.reminder_transition(
        reminder.pk,
        S.SENT,
        reason=f"sent on {reminder.channel}",
        fields={"sent_at": now, "lease_until": None, "message_ids": [str(existing.pk)]},
        expect=S.SENDING,
    )
    Invoice.objects.filter(pk=invoice.pk, reminder_sent=False).update(reminder_sent=True)
    return S.SENT


def _own_message(reminder: Reminder) -> Message | None:
    return Message.objects.filter(
        subject_type=invoice_subject_type(),
        subject_id=str(reminder.invoice_id),
        purpose=PURPOSE,
        key=step_key(reminder),
        is_active=True,
    ).first()


def _today(invoice: Invoice, now: datetime):
    return now.astimezone(recipient_zone(invoice)).date()


def _paused(flag: bool, until, today) -> bool:
    return flag and (until is None or until >= today)


def recheck(reminder: Reminder, policy: ReminderPolicy, now: datetime) -> Verdict | None:
    """Everything that may have changed since planning; ``None`` when the step may go now."""
    invoice, customer = reminder.invoice, reminder.invoice.customer
    today = _today(invoice, now)
    if invoice.status != Invoice.Status.OPEN:
        return Verdict(S.CANCELLED, f"invoice is {invoice.get_status_display().lower()}")
    if invoice.amount_due <= 0:
        return Verdict(S.CANCELLED, "nothing is due")
    if not policy.enabled:
        return Verdict(S.PAUSED, "reminders disabled for the organization")
    if _paused(invoice.reminders_paused, invoice.reminders_paused_until, today):
        return Verdict(S.PAUSED, "invoice paused", paused_until=invoice.reminders_paused_until)
    if _paused(customer.reminders_paused, customer.reminders_paused_until, today):
        return Verdict(S.PAUSED, "customer paused", paused_until=customer.reminders_paused_until)
    if invoice.disputed_at is not None:
        return Verdict(S.SKIPPED, "invoice disputed")
    if invoice.promise_to_pay_until is not None and invoice.promise_to_pay_until >= today:
        return Verdict(S.SKIPPED, f"promise to pay until {invoice.promise_to_pay_until}")
    if reminder.channel == Channel.WHATSAPP:
        refusal = consent_refusal(customer)
        if refusal is not None:
            return Verdict(S.SKIPPED, refusal.text)
    return _timing(reminder, policy, now)


def _timing(reminder: Reminder, policy: ReminderPolicy, now: datetime) -> Verdict | None:
    """The minimum gap after the invoice's last message, then the send window."""
    invoice = reminder.invoice
    zone, window = recipient_zone(invoice), window_of(policy)
    last = (
        Message.objects.filter(subject_type=invoice_subject_type(), subject_id=str(invoice.pk))
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    try:
        if last is not None and last + min_gap(policy) > now:
            at = next_slot(last + min_gap(policy), zone, window)
            return Verdict(S.PLANNED, f"moved: a message was sent at {last:%Y-%m-%d %H:%M} UTC", at)
        if not window.contains(now, zone):
            return Verdict(
                S.PLANNED, "moved: outside the send window", next_slot(now, zone, window)
            )
    except NoSlot:
        return Verdict(S.CANCELLED, "no allowed day to send on")
    return None


def _apply(reminder: Reminder, verdict: Verdict) -> str:
    fields = {"lease_until": None}
    if verdict.planned_at is not None:
        fields["planned_at"] = verdict.planned_at
    if verdict.to == S.PAUSED:
        fields["paused_until"] = verdict.paused_until
    states.reminder_transition(
        reminder.pk, verdict.to, reason=verdict.reason, fields=fields, expect=S.SENDING
    )
    return verdict.to
