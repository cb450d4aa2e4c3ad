"""N1 to N8 (spec/reliability.md) checked after a run, from the database, the sandbox's record of
calls and acks, what the load's clients were told, the integrator's receiver and the logs.

Each check returns ``(code, holds, detail)``; ``figures`` are the run's table.
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

import requests
from django.db.models import Count
from django.utils import timezone

from billing.models import IdempotencyKey, Invoice, Organization
from billing.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEvent
from notifications import pipeline
from notifications import status as st
from notifications.models import InboundWebhook, Message, MessageEvent, OrphanEvent

# django-q2 runs due schedules about every 30 s, and the sweep is due every minute after its
# last run: an expired lease is seen at most 90 s after it lapsed.
SWEEP_CYCLE = timedelta(seconds=90)
MAX_SENDING = pipeline.LEASE + SWEEP_CYCLE
PHONE_LIKE = re.compile(r"\+?\d{11,15}")
EMAIL_LIKE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def settled(channel: str, status: str) -> bool:
    """Where a message may end: a final status, ``unknown`` (shown to an admin), or for e-mail
    ``sent`` (accepted by the mail server; opens and clicks may follow, or never)."""
    return status in st.FINAL or status == st.UNKNOWN or (channel == "email" and status == st.SENT)


def in_flight() -> dict[str, int]:
    from django.db import connection

    try:
        return {
            "messages queued or sending": Message.objects.filter(
                status__in=(st.QUEUED, st.SENDING), is_active=True
            ).count(),
            "integrator deliveries pending": WebhookDelivery.objects.filter(
                status__in=("pending", "sending")
            ).count(),
            "provider webhooks unprocessed": InboundWebhook.objects.filter(
                state__in=("received", "processing")
            ).count(),
        }
    finally:
        connection.close()


@dataclass
class Report:
    checks: list = field(default_factory=list)  # (code, holds, detail)
    figures: dict = field(default_factory=dict)

    @property
    def holds(self) -> bool:
        return all(ok for _, ok, _ in self.checks)

    def table(self) -> str:
        width = max(len(k) for k in self.figures)
        lines = [f"  {k.ljust(width)}  {v}" for k, v in self.figures.items()]
        lines.append("")
        for code, ok, detail in self.checks:
            lines.append(f"  {'PASS' if ok else 'FAIL'}  {code}  {detail}")
        return "\n".join(lines)


def check(run, sends: list, hooks: dict) -> Report:
    report = Report()
    record = run.load.record
    orgs = list(Organization.objects.filter(slug__in=[t.slug for t in run.tenants]))
    invoices = Invoice.objects.filter(organization__in=orgs)
    messages = Message.objects.filter(tenant_id__in=[o.pk for o in orgs])
    report.checks += [
        n1_creates(record, invoices),
        n2_numbers(orgs, invoices),
        *n3_messages(record, messages, run),
        n4_provider_calls(messages, sends),
        n5_webhooks_stored(hooks, messages),
        n6_forward_only(messages),
        n7_integrator_events(orgs, run.integrator),
        n8_logs(run.logs(), run.secrets, messages, orgs),
    ]
    report.figures = figures(run, record, invoices, messages, sends, hooks, report)
    return report


# --- N1 --------------------------------------------------------------------------------------
def n1_creates(record, invoices):
    acked = {invoice: body for invoice, body in record.created.values()}
    present = set(map(str, invoices.filter(pk__in=list(acked)).values_list("pk", flat=True)))
    missing = len(set(acked) - present)
    extra = max(0, invoices.count() - len(acked) - len(record.gave_up))
    stored = dict(
        IdempotencyKey.objects.filter(
            key__in=[k for _, k in record.created], path="/api/v0/invoices", method="POST"
        ).values_list("key", "response_body")
    )
    differs = sum(
        1 for (_, key), (_, body) in record.created.items() if stored.get(key, "").encode() != body
    )
    ok = missing == extra == differs == record.replay_mismatches == 0
    return (
        "N1",
        ok,
        f"{len(acked)} creates answered 2xx: {missing} missing, {extra} extra invoices, "
        f"{differs} stored answers differ, {record.replay_mismatches} replays differ "
        f"({record.operations['replay']} replays, {len(record.gave_up)} creates given up)",
    )


# --- N2 --------------------------------------------------------------------------------------
def n2_numbers(orgs, invoices):
    problems = []
    for org in orgs:
        numbers = invoices.filter(organization=org).exclude(status="DRAFT")
        seqs = sorted(int(re.sub(r"\D", "", n)) for n in numbers.values_list("number", flat=True))
        if seqs != list(range(1, len(seqs) + 1)):
            problems.append(f"{org.slug}: {len(seqs)} numbers, not 1..{len(seqs)}")
    drafts = invoices.filter(status="DRAFT").exclude(number__in=("", None)).count()
    if drafts:
        problems.append(f"{drafts} drafts have a number")
    counts = ", ".join(
        f"{o.slug} 1..{invoices.filter(organization=o).exclude(status='DRAFT').count()}"
        for o in orgs
    )
    return ("N2", not problems, "; ".join(problems) or f"gapless and unique: {counts}")


# --- N3 --------------------------------------------------------------------------------------
def n3_messages(record, messages, run):
    ids = set(map(str, messages.values_list("pk", flat=True)))
    unanswered = len(set(record.sends) - ids)
    active = messages.filter(is_active=True)
    per_invoice = Counter(active.values_list("subject_id", "channel"))
    doubled = sum(1 for n in per_invoice.values() if n > 1)
    sent_invoices = {(inv, "whatsapp") for inv in record.sends.values()}
    without = len(sent_invoices - set(per_invoice))
    stuck = Counter(
        f"{channel} {status}"
        for channel, status in active.values_list("channel", "status")
        if not settled(channel, status)
    )
    longest = max_sending(messages)
    unknown = set(map(str, active.filter(status=st.UNKNOWN).values_list("pk", flat=True)))
    listed = admin_unknown_ids(run)
    ends_ok = unanswered == doubled == without == 0 and not stuck
    return [
        (
            "N3",
            ends_ok,
            f"{len(record.sends)} messages promised: {unanswered} absent, {without} invoices "
            f"without one, {doubled} with two; not final at the end: {dict(stuck) or 0}",
        ),
        (
            "N3",
            longest <= MAX_SENDING,
            f"longest `sending`: {longest.total_seconds():.1f} s "
            f"(bound: lease {pipeline.LEASE.seconds} s + sweeper cycle {SWEEP_CYCLE.seconds} s)",
        ),
        (
            "N3",
            unknown == listed,
            f"{len(unknown)} `unknown` messages, {len(listed & unknown)} of them listed by the "
            f"admin's unknown filter ({len(listed - unknown)} listed that are not)",
        ),
    ]


def max_sending(messages) -> timedelta:
    """The longest a message stayed ``sending``: from each applied ``sending`` event to the
    message's next applied event (or now, when it is still sending)."""
    events = (
        MessageEvent.objects.filter(message__in=messages, applied=True)
        .order_by("message_id", "received_at", "id")
        .values_list("message_id", "status", "received_at")
    )
    longest, since, current = timedelta(0), None, None
    now = timezone.now()
    for message_id, status, at in events.iterator(chunk_size=5000):
        if message_id != current:
            if since is not None:
                longest = max(longest, now - since)
            current, since = message_id, None
        if since is not None:
            longest, since = max(longest, at - since), None
        if status == st.SENDING:
            since = at
    if since is not None:
        longest = max(longest, now - since)
    return longest


def admin_unknown_ids(run) -> set[str]:
    """Log in to the admin like an operator and read the delivery log's "unknown" filter."""
    address, port = run.web_address(run.web_names[-1])
    base = f"http://{address}:{port}"
    session = requests.Session()
    login = session.get(f"{base}/admin/login/", timeout=30)
    token = session.cookies.get("csrftoken") or ""
    form = {"username": "scale-admin", "password": run.admin_password, "csrfmiddlewaretoken": token}
    session.post(
        f"{base}/admin/login/?next=/admin/", data=form, headers={"Referer": login.url}, timeout=30
    )
    found, page = set(), 0
    while True:
        answer = session.get(
            f"{base}/admin/notifications/message/",
            params={"status__exact": st.UNKNOWN, "p": page},
            timeout=60,
        )
        ids = set(re.findall(r"/admin/notifications/message/([0-9a-f-]{36})/change/", answer.text))
        if answer.status_code != 200 or not ids - found:
            return found
        found |= ids
        page += 1


# --- N4 --------------------------------------------------------------------------------------
def n4_provider_calls(messages, sends):
    calls = Counter(s["body"]["phone"] for s in sends if isinstance(s.get("body"), dict))
    allowed: Counter = Counter()
    backed_off = MessageEvent.objects.filter(
        message__in=messages, applied=True, status=st.QUEUED, source="send"
    )
    retries = dict(
        backed_off.values("message_id").annotate(n=Count("id")).values_list("message_id", "n")
    )
    for pk, recipient in messages.filter(channel="whatsapp").values_list("pk", "recipient"):
        allowed[recipient.lstrip("+")] += 1 + retries.get(pk, 0)
    over = {phone: n - allowed[phone] for phone, n in calls.items() if n > allowed[phone]}
    return (
        "N4",
        not over,
        f"{sum(calls.values())} sendTemplate calls for {len(allowed)} phones; "
        f"{sum(over.values())} beyond 1 + retries after a definite no ({len(over)} phones)",
    )


# --- N5 / N6 -----------------------------------------------------------------------------------
def n5_webhooks_stored(hooks: dict, messages):
    states = Counter(InboundWebhook.objects.values_list("state", flat=True))
    unprocessed = states.get("received", 0) + states.get("processing", 0)
    seen = set(
        MessageEvent.objects.filter(message__in=messages, source="webhook").values_list(
            "message__provider_message_id", "status"
        )
    )
    seen |= set(OrphanEvent.objects.values_list("provider_message_id", "status"))
    pushed = {(mid, h["status"]) for mid, items in hooks.items() for h in items}
    lost = pushed - seen
    return (
        "N5",
        not lost and not unprocessed and not states.get("invalid"),
        f"{sum(states.values())} provider webhooks stored ({dict(states)}); "
        f"{len(pushed)} distinct acks pushed, {len(lost)} in no timeline and no orphan row",
    )


def n6_forward_only(messages):
    events = (
        MessageEvent.objects.filter(message__in=messages, applied=True)
        .order_by("message_id", "received_at", "id")
        .values_list("message_id", "status")
    )
    backwards, top = 0, defaultdict(int)
    last: dict = {}
    for message_id, status in events.iterator(chunk_size=5000):
        rank = st.RANK[status]
        if rank < last.get(message_id, 0):
            backwards += 1
        last[message_id] = rank
        top[message_id] = max(top[message_id], rank)
    disagree = sum(1 for pk, rank in messages.values_list("pk", "rank") if top.get(pk, 0) != rank)
    return (
        "N6",
        backwards == disagree == 0,
        f"{backwards} backward moves; {disagree} messages whose status is not their highest event",
    )


# --- N7 --------------------------------------------------------------------------------------
def n7_integrator_events(orgs, integrator):
    events = WebhookEvent.objects.filter(organization__in=orgs)
    deliveries = WebhookDelivery.objects.filter(event__in=events)
    states = Counter(deliveries.values_list("status", flat=True))
    logged = dict(
        WebhookAttempt.objects.filter(delivery__in=deliveries)
        .values("delivery_id")
        .annotate(n=Count("id"))
        .values_list("delivery_id", "n")
    )
    attempts = deliveries.values_list("pk", "attempts")
    unlogged = sum(1 for pk, n in attempts if logged.get(pk, 0) != n)
    ids = set(events.values_list("pk", flat=True))
    received = integrator.delivered_ids()
    delivered = set(deliveries.filter(status="delivered").values_list("event_id", flat=True))
    never_received = len(delivered - received)
    strange = len(set(integrator.answered) - ids)
    open_ = states.get("pending", 0) + states.get("sending", 0)
    ok = open_ == unlogged == never_received == strange == integrator.bad_signatures == 0
    return (
        "N7",
        ok,
        f"{len(ids)} events, deliveries {dict(states)}; {unlogged} with attempts not all "
        f"logged, {never_received} delivered the receiver never acknowledged, {strange} ids "
        f"the receiver got that are no event, {integrator.bad_signatures} bad signatures",
    )


# --- N8 --------------------------------------------------------------------------------------
def n8_logs(logs: dict[str, str], secrets: list[str], messages, orgs):
    from billing.models import Customer

    customers = Customer.objects.filter(organization__in=orgs)
    phones = {str(p) for p in customers.values_list("phone", flat=True)}
    phones |= {p.lstrip("+") for p in phones}
    emails = set(customers.values_list("email", flat=True)) | {"scale@example.com"}
    leaks: Counter = Counter()
    for name, text in logs.items():
        leaks[name] += sum(1 for m in PHONE_LIKE.findall(text) if m in phones)
        leaks[name] += sum(1 for m in EMAIL_LIKE.findall(text) if m in emails)
        leaks[name] += sum(text.count(secret) for secret in secrets)
    leaks = +leaks
    size = sum(len(t) for t in logs.values())
    return (
        "N8",
        not leaks,
        f"{size / 1e6:.1f} MB of logs from {len(logs)} processes: "
        f"{sum(leaks.values())} phones, e-mails or secrets {dict(leaks) or ''}".rstrip(),
    )


# --- the table ---------------------------------------------------------------------------------
def figures(run, record, invoices, messages, sends, hooks, report) -> dict:
    statuses = Counter(messages.values_list("status", flat=True))
    by_channel = Counter(f"{c} {s}" for c, s in messages.values_list("channel", "status"))
    calls = len(sends)
    faults = sum(1 for s in sends if s.get("fault"))
    detail = {code: text for code, _, text in report.checks}
    over = re.search(r"(\d+) beyond", detail["N4"])
    lost_acks = re.search(r"(\d+) in no timeline", detail["N5"])
    missing = re.search(r"(\d+) missing", detail["N1"])
    active = messages.filter(is_active=True).values_list("channel", "status")
    stuck = sum(1 for channel, status in active if not settled(channel, status))
    undelivered = WebhookDelivery.objects.filter(
        event__organization__in=invoices.values("organization").distinct(),
        status__in=("pending", "sending", "failed"),
    ).count()
    requests_line = ", ".join(f"{k} {v}" for k, v in sorted(record.requests.items()))
    return {
        "requests": f"{sum(record.requests.values())} ({requests_line})",
        "operations": ", ".join(f"{k} {v}" for k, v in sorted(record.operations.items())),
        "invoices": f"{len(record.created)} acknowledged, {invoices.count()} in the database",
        "messages": f"{messages.count()} ({_counts(by_channel)})",
        "provider calls": f"{calls} ({faults} during outages)",
        "duplicates": int(over.group(1)) if over else "?",
        "lost": (int(missing.group(1)) if missing else 0)
        + stuck
        + (int(lost_acks.group(1)) if lost_acks else 0)
        + undelivered,
        "unknowns visible": f"{statuses.get(st.UNKNOWN, 0)} (in the admin's unknown filter)",
        "max time `sending`": f"{max_sending(messages).total_seconds():.1f} s",
        "integrator events": f"{WebhookEvent.objects.count()} "
        f"({len(run.integrator.delivered_ids())} acknowledged by the receiver)",
        "5xx answers": f"{len(record.five_hundreds)} "
        f"({_counts(Counter(o for o, _ in record.five_hundreds))})",
    }


def _counts(counter: Counter) -> str:
    return ", ".join(f"{k} {v}" for k, v in counter.most_common()) or "none"
