"""Local-time arithmetic of the plan: the send window, allowed days and DST, with ``zoneinfo``.

Pure functions over aware datetimes; nothing here reads the database.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

MINUTE = timedelta(minutes=1)
SEARCH_DAYS = 800  # more than two years of holidays cannot block every day


class NoSlot(Exception):
    """No allowed day within ``SEARCH_DAYS``: the policy leaves nowhere to send."""


@dataclass(frozen=True)
class Window:
    """Where reminders may go out: ``start``/``end`` in minutes of the local day (end 1440 is
    midnight), on ISO ``business_days`` that are not ``holidays``."""

    start: int
    end: int
    business_days: frozenset[int]
    holidays: frozenset[date]

    def allows_day(self, day: date) -> bool:
        return day.isoweekday() in self.business_days and day not in self.holidays

    def contains(self, instant: datetime, zone: ZoneInfo) -> bool:
        local = instant.astimezone(zone)
        minute = local.hour * 60 + local.minute
        return self.allows_day(local.date()) and self.start <= minute < self.end


def wall_instant(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """The first instant whose local wall time on ``day`` is at least ``minutes`` past midnight.

    An ambiguous wall time (clocks back) is its first occurrence; one inside a gap (clocks
    forward) is the transition itself, the first wall time after the gap.
    """
    if minutes >= 24 * 60:
        return wall_instant(day + timedelta(days=1), 0, zone)
    wall = datetime.combine(day, time(minutes // 60, minutes % 60))
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first
    # In a gap: fold=1 reads the wall time with the later offset, an instant before the gap.
    instant = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    while instant.astimezone(zone).replace(tzinfo=None) < wall:
        instant += MINUTE
    return instant


def next_slot(at: datetime, zone: ZoneInfo, window: Window) -> datetime:
    """The earliest instant at or after ``at`` inside the window on an allowed local day."""
    day = at.astimezone(zone).date()
    for _ in range(SEARCH_DAYS):
        if window.allows_day(day):
            opens, closes = (
                wall_instant(day, window.start, zone),
                wall_instant(day, window.end, zone),
            )
            if at < closes and opens < closes:
                return max(at, opens).astimezone(UTC)
        day += timedelta(days=1)
    raise NoSlot("The send window, business days and holidays leave no day to send on.")


@lru_cache(maxsize=8192)
def rule_slot(day: date, zone: ZoneInfo, window: Window) -> datetime:
    """The first allowed slot from the window opening on ``day`` (cached: a re-plan of many
    invoices asks it for the same few due dates again and again)."""
    return next_slot(wall_instant(day, window.start, zone), zone, window)


def step_slot(
    *,
    due_date: date,
    offset_days: int,
    zone: ZoneInfo,
    window: Window,
    not_before: tuple[datetime | None, ...] = (),
    min_gap: timedelta = timedelta(0),
) -> datetime:
    """A step's planned time: the due date + offset at the window opening, in an allowed slot,
    then at least ``min_gap`` after each of ``not_before`` (exactly ``min_gap`` is allowed)."""
    slot = rule_slot(due_date + timedelta(days=offset_days), zone, window)
    earliest = max([slot, *(moment + min_gap for moment in not_before if moment is not None)])
    return slot if earliest == slot else next_slot(earliest, zone, window)
