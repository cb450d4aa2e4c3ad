"""Forms of the collections pages: the reminder policy as a clerk edits it (no JSON), the
example plan's inputs, and a time-zone choice for customers.

The policy form only turns its fields into the policy's JSON; ``parse_policy`` (the API's own
validation) decides what is valid, and its sentences come back on the fields they name.
"""

import functools
import zoneinfo
from datetime import date, datetime, time

from django import forms
from django.forms import formset_factory

from billing.collections.errors import InvalidPolicy
from billing.collections.models import ReminderPolicy
from billing.collections.policy import (
    MAX_OFFSET,
    MAX_STEPS,
    MIN_OFFSET,
    format_minutes,
    parse_policy,
    policy_as_json,
)

ISO_DATE = "%Y-%m-%d"
WEEKDAYS = [
    (1, "Monday"),
    (2, "Tuesday"),
    (3, "Wednesday"),
    (4, "Thursday"),
    (5, "Friday"),
    (6, "Saturday"),
    (7, "Sunday"),
]
CHANNELS = [
    ("preferred", "Each customer's own order of channels"),
    ("whatsapp,email", "WhatsApp, then e-mail"),
    ("email,whatsapp", "E-mail, then WhatsApp"),
    ("whatsapp", "WhatsApp only"),
    ("email", "E-mail only"),
]
# Which form field shows a sentence of ``parse_policy`` about a JSON field.
FIELD_OF = {
    "send_window": "window_end",
    "send_window.start": "window_start",
    "send_window.end": "window_end",
    "channels": "channels",
    "business_days": "business_days",
    "min_gap_hours": "min_gap_hours",
    "fallback_after_hours": "fallback_after_hours",
    "pause_on_reply_days": "pause_on_reply_days",
    "enabled": "enabled",
}


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format=ISO_DATE)


def time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class PolicyForm(forms.Form):
    enabled = forms.BooleanField(
        label="Send reminders",
        required=False,
        help_text="Off: nothing is sent for any invoice; the plan stays, marked paused.",
    )
    channels = forms.ChoiceField(
        label="Channels", choices=CHANNELS, widget=forms.RadioSelect, initial="preferred"
    )
    window_start = forms.TimeField(label="Send from", widget=time_input())
    window_end = forms.TimeField(
        label="Send until",
        widget=time_input(),
        help_text="In each customer's own time zone. Midnight (00:00, 12:00 AM) is the end of "
        "the day.",
    )
    business_days = forms.TypedMultipleChoiceField(
        label="Days reminders go out",
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick at least one day."},
    )
    min_gap_hours = forms.IntegerField(
        label="Minimum gap (hours)",
        min_value=0,
        help_text="No reminder within this many hours of any other message about the invoice.",
    )
    fallback_after_hours = forms.IntegerField(
        label="E-mail if WhatsApp is not delivered within (hours)", min_value=0
    )
    pause_on_reply_days = forms.IntegerField(
        label='Pause after "Paid already" or "Need more time" (days)', min_value=0
    )


class StepForm(forms.Form):
    offset = forms.IntegerField(
        label="Days from the due date",
        required=False,
        widget=forms.NumberInput(attrs={"min": MIN_OFFSET, "max": MAX_OFFSET}),
    )


class HolidayForm(forms.Form):
    day = forms.DateField(
        label="Date",
        required=False,
        input_formats=[ISO_DATE],
        widget=date_input(),
        error_messages={"invalid": "Enter the date as YYYY-MM-DD."},
    )


StepFormSet = formset_factory(StepForm, extra=2, max_num=MAX_STEPS, absolute_max=MAX_STEPS)
HolidayFormSet = formset_factory(HolidayForm, extra=2, max_num=400, absolute_max=400)


def _minutes(value: time, *, end: bool) -> str:
    minutes = value.hour * 60 + value.minute
    return "24:00" if end and minutes == 0 else format_minutes(minutes)


def _human(sentence: str, label: str) -> str:
    text = f"{label} {sentence}" if sentence.startswith(("must", "is ")) else sentence
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


class PolicyEditor:
    """The policy form and its two lists (steps, holidays), valid when ``parse_policy`` agrees;
    ``data`` is then the policy's JSON, exactly what ``PUT /api/v0/reminder-policy`` takes."""

    def __init__(self, data=None, *, policy: ReminderPolicy):
        stored = policy_as_json(policy)
        initial = {
            "enabled": policy.enabled,
            "channels": ",".join(policy.channels)
            if isinstance(policy.channels, list)
            else policy.channels,
            "window_start": stored["send_window"]["start"],
            "window_end": "00:00" if policy.window_end == 24 * 60 else stored["send_window"]["end"],
            "business_days": list(policy.business_days),
            "min_gap_hours": policy.min_gap_hours,
            "fallback_after_hours": policy.fallback_after_hours,
            "pause_on_reply_days": policy.pause_on_reply_days,
        }
        self.form = PolicyForm(data, initial=initial)
        # Bound rows carry no initial values: a row equal to its initial one would count as
        # an untouched extra row and be dropped.
        steps = None if data is not None else [{"offset": o} for o in policy.steps]
        days = None if data is not None else [{"day": d} for d in policy.holidays]
        self.steps = StepFormSet(data, prefix="steps", initial=steps)
        self.holidays = HolidayFormSet(data, prefix="holidays", initial=days)
        self.step_errors: list[str] = []
        self.holiday_errors: list[str] = []
        self.data: dict | None = None
        self._valid: bool | None = None

    def is_valid(self) -> bool:
        if self._valid is None:
            self._valid = self._validate()
        return self._valid

    def _validate(self) -> bool:
        parts = [self.form.is_valid(), self.steps.is_valid(), self.holidays.is_valid()]
        if not all(parts):
            return False
        data = self._as_json()
        try:
            parse_policy(data)
        except InvalidPolicy as exc:
            for sentence in exc.messages:
                self._attach(sentence)
            return False
        self.data = data
        return True

    def _as_json(self) -> dict:
        cleaned = self.form.cleaned_data
        channels = cleaned["channels"]
        offsets = [f.cleaned_data.get("offset") for f in self.steps]
        steps = [offset for offset in offsets if offset is not None]
        days = [f.cleaned_data["day"] for f in self.holidays if f.cleaned_data.get("day")]
        return {
            "enabled": cleaned["enabled"],
            "steps": steps,
            "channels": channels if channels == "preferred" else channels.split(","),
            "send_window": {
                "start": _minutes(cleaned["window_start"], end=False),
                "end": _minutes(cleaned["window_end"], end=True),
            },
            "business_days": sorted(cleaned["business_days"]),
            "holidays": sorted({d.isoformat() for d in days}),
            "min_gap_hours": cleaned["min_gap_hours"],
            "fallback_after_hours": cleaned["fallback_after_hours"],
            "pause_on_reply_days": cleaned["pause_on_reply_days"],
        }

    def _attach(self, sentence: str) -> None:
        field, _, rest = sentence.partition(": ")
        if field == "steps":
            self.step_errors.append(_human(rest, "Steps"))
        elif field == "holidays":
            self.holiday_errors.append(_human(rest, "Holidays"))
        else:
            name = FIELD_OF.get(field)
            label = self.form.fields[name].label if name else field
            self.form.add_error(name, _human(rest, label))

    @property
    def errors(self) -> list[str]:
        """Every problem as one sentence (for the example's "fix this first" note)."""
        found = [*self.step_errors, *self.holiday_errors]
        for name, errors in self.form.errors.items():
            label = self.form.fields[name].label if name in self.form.fields else ""
            found += [f"{label}: {e}" if label else e for e in errors]
        for formset in (self.steps, self.holidays):
            for form in formset:
                found += [e for errors in form.errors.values() for e in errors]
        return found


class ExampleForm(forms.Form):
    """The example plan's invoice: its due date and where its customer is."""

    due_date = forms.DateField(
        label="Example due date", input_formats=[ISO_DATE], widget=date_input()
    )
    zone = forms.ChoiceField(label="Customer's time zone")

    def __init__(self, *args, zone: str, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].choices = time_zone_choices()
        self.fields["zone"].initial = zone
        self.fields["due_date"].initial = today

    def values(self, *, zone: str, today: date) -> tuple[date, str]:
        if self.is_bound and self.is_valid():
            return self.cleaned_data["due_date"], self.cleaned_data["zone"]
        return today, zone


# --- time zones ------------------------------------------------------------------------------
def _offset(name: str, day: date) -> str:
    offset = datetime.combine(day, time(12), tzinfo=zoneinfo.ZoneInfo(name)).utcoffset()
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@functools.lru_cache(maxsize=4)
def _zone_groups(day: date) -> list:
    groups: dict[str, list] = {}
    for name in sorted(zoneinfo.available_timezones()):
        area = name.split("/", 1)[0] if "/" in name else "Other"
        label = f"{name.replace('_', ' ')} ({_offset(name, day)})"
        groups.setdefault(area, []).append((name, label))
    return sorted(groups.items())


def time_zone_choices(day: date | None = None) -> list:
    """Every IANA zone, grouped by area, each with its offset from UTC today."""
    return _zone_groups(day or date.today())


class TimeZoneField(forms.ChoiceField):
    def __init__(self, *, blank_label: str, **kwargs):
        super().__init__(**kwargs)
        self.choices = [("", blank_label), *time_zone_choices()]

    def valid_value(self, value) -> bool:
        return value == "" or value in zoneinfo.available_timezones()
