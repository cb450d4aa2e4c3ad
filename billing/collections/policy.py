"""The reminder policy: its JSON shape, its validation and the one service that replaces it."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from billing.collections.errors import InvalidPolicy
from billing.collections.models import WHOLE_DAY, ReminderPolicy
from billing.collections.slots import Window
from billing.models import Organization
from billing.models.choices import Channel

MAX_STEPS, MIN_OFFSET, MAX_OFFSET = 10, -60, 365
MAX_HOLIDAYS = 366
FIELDS = (
    "enabled",
    "steps",
    "channels",
    "send_window",
    "business_days",
    "holidays",
    "min_gap_hours",
    "fallback_after_hours",
    "pause_on_reply_days",
)
DAY_LIMIT = 365


def policy_for(organization: Organization) -> ReminderPolicy:
    """The stored policy, or the defaults (unsaved) for an organization that never set one."""
    try:
        return organization.reminder_policy
    except ReminderPolicy.DoesNotExist:
        return ReminderPolicy(organization=organization)


def window_of(policy: ReminderPolicy) -> Window:
    return Window(
        start=policy.window_start,
        end=policy.window_end,
        business_days=frozenset(policy.business_days),
        holidays=frozenset(date.fromisoformat(day) for day in policy.holidays),
    )


def min_gap(policy: ReminderPolicy) -> timedelta:
    return timedelta(hours=policy.min_gap_hours)


def format_minutes(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def policy_as_json(policy: ReminderPolicy) -> dict:
    return {
        "enabled": policy.enabled,
        "steps": list(policy.steps),
        "channels": policy.channels,
        "send_window": {
            "start": format_minutes(policy.window_start),
            "end": format_minutes(policy.window_end),
        },
        "business_days": list(policy.business_days),
        "holidays": list(policy.holidays),
        "min_gap_hours": policy.min_gap_hours,
        "fallback_after_hours": policy.fallback_after_hours,
        "pause_on_reply_days": policy.pause_on_reply_days,
    }


@dataclass
class _Problems:
    sentences: list[str]

    def add(self, field: str, sentence: str) -> None:
        self.sentences.append(f"{field}: {sentence}")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _steps(value, problems: _Problems):
    if not isinstance(value, list) or not all(_is_int(v) for v in value):
        return problems.add("steps", "must be a list of whole day offsets")
    if not 1 <= len(value) <= MAX_STEPS:
        return problems.add("steps", f"must have between 1 and {MAX_STEPS} offsets")
    if any(not MIN_OFFSET <= v <= MAX_OFFSET for v in value):
        return problems.add("steps", f"each offset must be between {MIN_OFFSET} and {MAX_OFFSET}")
    if len(set(value)) != len(value):
        return problems.add("steps", "offsets must be unique")
    return sorted(value)


def _channels(value, problems: _Problems):
    if value == "preferred":
        return value
    known = set(Channel.values)
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(c, str) and c in known for c in value)
        or len(set(value)) != len(value)
    ):
        return problems.add(
            "channels", 'must be "preferred" or a list of distinct channels: whatsapp, email'
        )
    return value


def parse_minutes(text, *, allow_end: bool) -> int | None:
    if not isinstance(text, str) or len(text) != 5 or text[2] != ":":
        return None
    hours, minutes = text[:2], text[3:]
    if not (hours.isdigit() and minutes.isdigit()):
        return None
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > (WHOLE_DAY if allow_end else WHOLE_DAY - 1):
        return None
    return value


def _window(value, problems: _Problems):
    if not isinstance(value, dict) or set(value) != {"start", "end"}:
        return problems.add("send_window", 'must be {"start": "HH:MM", "end": "HH:MM"}')
    start = parse_minutes(value["start"], allow_end=False)
    end = parse_minutes(value["end"], allow_end=True)
    if start is None:
        return problems.add("send_window.start", "must be a time from 00:00 to 23:59")
    if end is None:
        return problems.add("send_window.end", "must be a time from 00:01 to 24:00")
    if end <= start:
        return problems.add("send_window", "end must be after start")
    return start, end


def _business_days(value, problems: _Problems):
    if (
        not isinstance(value, list)
        or not value
        or not all(_is_int(v) and 1 <= v <= 7 for v in value)
        or len(set(value)) != len(value)
    ):
        return problems.add("business_days", "must be distinct ISO weekdays from 1 to 7")
    return sorted(value)


def _holidays(value, problems: _Problems):
    if not isinstance(value, list) or len(value) > MAX_HOLIDAYS:
        return problems.add("holidays", f"must be a list of at most {MAX_HOLIDAYS} dates")
    try:
        days = sorted({date.fromisoformat(v) for v in value if isinstance(v, str) and len(v) == 10})
    except ValueError:
        days = None
    if days is None or len(days) != len(set(value)):
        return problems.add("holidays", "must be dates as YYYY-MM-DD")
    return [day.isoformat() for day in days]


def _count(field: str, value, limit: int, problems: _Problems):
    if not _is_int(value) or not 0 <= value <= limit:
        return problems.add(field, f"must be a whole number from 0 to {limit}")
    return value


def parse_policy(data) -> dict:
    """The model's fields from the policy's JSON (all fields required); ``InvalidPolicy`` names
    every field that is wrong."""
    if not isinstance(data, dict):
        raise InvalidPolicy(["body: must be a JSON object"])
    problems = _Problems([])
    for field in sorted(set(data) - set(FIELDS)):
        problems.add(field, "is not a policy field")
    for field in FIELDS:
        if field not in data:
            problems.add(field, "is required")
    if problems.sentences:
        raise InvalidPolicy(problems.sentences)
    if not isinstance(data["enabled"], bool):
        problems.add("enabled", "must be true or false")
    parsed = {
        "enabled": data["enabled"],
        "steps": _steps(data["steps"], problems),
        "channels": _channels(data["channels"], problems),
        "window": _window(data["send_window"], problems),
        "business_days": _business_days(data["business_days"], problems),
        "holidays": _holidays(data["holidays"], problems),
        "min_gap_hours": _count("min_gap_hours", data["min_gap_hours"], 720, problems),
        "fallback_after_hours": _count(
            "fallback_after_hours", data["fallback_after_hours"], 720, problems
        ),
        "pause_on_reply_days": _count(
            "pause_on_reply_days", data["pause_on_reply_days"], DAY_LIMIT, problems
        ),
    }
    if problems.sentences:
        raise InvalidPolicy(problems.sentences)
    parsed["window_start"], parsed["window_end"] = parsed.pop("window")
    return parsed


@transaction.atomic
def reminder_policy_replace(*, organization: Organization, data) -> ReminderPolicy:
    """PUT semantics: the whole policy replaced; open invoices are re-planned after commit."""
    from billing.collections.tasks import enqueue_replan

    fields = parse_policy(data)
    policy, _ = ReminderPolicy.objects.select_for_update().update_or_create(
        organization=organization, defaults=fields
    )
    transaction.on_commit(lambda: enqueue_replan(organization.pk))
    return policy
