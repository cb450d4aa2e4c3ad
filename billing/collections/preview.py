"""Reminders as people read them: a step's day and local time in words, the reason a step was
skipped or paused, the message a reminder will send, and a policy's example plan."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from billing.collections.content import recipient_and_context
from billing.collections.models import Reminder, ReminderPolicy
from billing.collections.plan import PlannedStep, plan_steps, recipient_zone
from billing.collections.policy import window_of
from billing.collections.slots import next_slot, wall_instant
from billing.models import Customer, Invoice, Organization
from billing.models.choices import Channel
from notifications.channels import get_backend
from notifications.channels.base import SendRefused

S = Reminder.Status
PURPOSE = "reminder"
# The engine's reasons, as a clerk would say them (others are shown as written).
REASONS = {
    "past when planned": "Skipped: its day had already passed when the invoice was issued.",
    "no allowed day to send on": "Cancelled: the policy leaves no day to send it on.",
    "reminders disabled": "Paused: reminders are switched off for the organization.",
    "reminders disabled for the organization": (
        "Paused: reminders are switched off for the organization."
    ),
    "invoice paused": "Paused for this invoice.",
    "customer paused": "Paused for this customer.",
    "reminders paused": "Paused for this invoice or customer.",
    "invoice disputed": "Stopped: the customer disputes the invoice.",
    "customer says paid already": 'Paused: the customer replied "Paid already".',
    "nothing is due": "Cancelled: nothing is due any more.",
    "policy changed": "Cancelled: the policy no longer has this step.",
    "re-planned after a policy change": "Re-planned after a policy change.",
    "claimed": "Being sent now.",
    "claimed again after an expired lease": "Being sent now (second attempt).",
    "planned": "",
    "pause ended": "",
    "invoice resumed": "Resumed.",
    "customer resumed": "Resumed.",
}


def reason_text(reason: str) -> str:
    if reason in REASONS:
        return REASONS[reason]
    if reason.startswith("invoice is "):
        return f"Cancelled: the invoice is {reason.removeprefix('invoice is ')}."
    if reason.startswith("promise to pay until "):
        day = date.fromisoformat(reason.removeprefix("promise to pay until "))
        return f"Skipped: the customer promised to pay by {day:%d %b %Y}."
    if reason.startswith("sent on "):
        return f"Sent on {channel_label(reason.removeprefix('sent on '))}."
    if reason.startswith("moved: "):
        return f"Moved: {reason.removeprefix('moved: ')}."
    return (reason[:1].upper() + reason[1:]).rstrip(".") + "." if reason else ""


def channel_label(channel: str) -> str:
    return Channel(channel).label if channel in Channel.values else channel


def offset_text(offset: int) -> str:
    if offset == 0:
        return "On the due date"
    days = f"{abs(offset)} day{'s' if abs(offset) != 1 else ''}"
    return f"{days} before the due date" if offset < 0 else f"{days} after the due date"


def local_text(moment: datetime, zone: ZoneInfo) -> str:
    """``Tue 16 Jun 2026, 09:00 CEST``: the recipient's wall clock, with its abbreviation."""
    local = moment.astimezone(zone)
    return f"{local:%a %d %b %Y, %H:%M} {local.tzname()}"


@dataclass(frozen=True)
class PlanRow:
    step: int
    when: str
    local_time: str
    status: str
    reason: str


def example_plan(
    *, organization: Organization, policy: ReminderPolicy, due_date: date, zone: str, now: datetime
) -> list[PlanRow]:
    """The plan an invoice issued ``now`` and due ``due_date`` would get, for a customer in
    ``zone`` (nothing is saved)."""
    customer = Customer(organization=organization, time_zone=zone)
    invoice = Invoice(organization=organization, customer=customer, due_date=due_date)
    tz = ZoneInfo(zone)
    return [
        PlanRow(
            step=planned.step,
            when=offset_text(planned.offset_days),
            local_time=local_text(planned.planned_at, tz) if planned.planned_at else "—",
            status=S(planned.status).label,
            reason=reason_text(planned.reason) or _moved(planned, policy, due_date, tz),
        )
        for planned in plan_steps(policy=policy, invoice=invoice, now=now, last_message_at=now)
    ]


def _moved(planned: PlannedStep, policy: ReminderPolicy, due_date: date, zone: ZoneInfo) -> str:
    """Why a step goes out later than its day's window opening, if it does."""
    if planned.planned_at is None:
        return ""
    window = window_of(policy)
    day = due_date + timedelta(days=planned.offset_days)
    slot = next_slot(wall_instant(day, window.start, zone), zone, window)
    if planned.planned_at > slot:
        return f"Moved: at least {policy.min_gap_hours} hours after the message before it."
    if slot.astimezone(zone).date() != day:
        return f"Moved: {day:%a %d %b} is not a sending day."
    return ""


def message_preview(reminder: Reminder) -> dict:
    """What the reminder will say on its channel, as of its planned day: WhatsApp text and
    buttons, or the e-mail's subject and text; ``error`` when it could not go out."""
    invoice = reminder.invoice
    day = reminder.planned_at.astimezone(recipient_zone(invoice)).date()
    recipient, context = recipient_and_context(invoice, reminder.channel, day)
    backend = get_backend(reminder.channel, invoice.organization_id)
    try:
        prepared = backend.prepare(purpose=PURPOSE, recipient=recipient, context=context)
    except SendRefused as exc:
        return {"channel": reminder.channel, "error": exc.text}
    payload = prepared.payload
    if reminder.channel == Channel.WHATSAPP:
        return {"channel": reminder.channel, "whatsapp": payload["preview"]}
    return {
        "channel": reminder.channel,
        "email": {"subject": payload["subject"], "text": payload["text"]},
    }
