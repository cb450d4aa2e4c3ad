"""Property tests of the plan's local-time arithmetic (DST, windows, business days, holidays)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from billing.collections.slots import MINUTE, Window, next_slot, step_slot, wall_instant

# DST in Europe and America, none in Asia/Tokyo, far east of UTC+9 with DST (Lord Howe's 30
# minutes) and without (Kiritimati, UTC+14).
ZONES = [
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Santiago",
    "Asia/Tokyo",
    "Australia/Lord_Howe",
    "Pacific/Kiritimati",
    "UTC",
]
# Due dates around the 2026 transitions: March and October/November, both hemispheres.
TRANSITION_DAYS = [
    date(2026, 3, 8),
    date(2026, 3, 29),
    date(2026, 4, 5),
    date(2026, 10, 25),
    date(2026, 11, 1),
    date(2026, 9, 6),
]


@st.composite
def windows(draw):
    start = draw(st.integers(0, 24 * 60 - 1))
    end = draw(st.integers(start + 1, 24 * 60))
    days = draw(st.sets(st.integers(1, 7), min_size=1))
    base = draw(st.sampled_from(TRANSITION_DAYS))
    holidays = draw(
        st.sets(st.integers(-20, 40).map(lambda n: base + timedelta(days=n)), max_size=15)
    )
    return Window(start, end, frozenset(days), frozenset(holidays))


due_dates = st.one_of(
    st.sampled_from(TRANSITION_DAYS).flatmap(
        lambda d: st.integers(-10, 10).map(lambda n: d + timedelta(days=n))
    ),
    st.dates(date(2025, 1, 1), date(2030, 12, 31)),
)


def local_minute(instant: datetime, zone: ZoneInfo) -> int:
    local = instant.astimezone(zone)
    return local.hour * 60 + local.minute


def allowed(instant: datetime, zone: ZoneInfo, window: Window) -> bool:
    return window.contains(instant, zone)


@settings(max_examples=400, deadline=None)
@given(
    due=due_dates,
    offset=st.integers(-60, 365),
    window=windows(),
    zone_name=st.sampled_from(ZONES),
)
def test_a_planned_step_is_the_next_allowed_slot_after_the_rule(due, offset, window, zone_name):
    zone = ZoneInfo(zone_name)
    planned = step_slot(due_date=due, offset_days=offset, zone=zone, window=window)
    rule = wall_instant(due + timedelta(days=offset), window.start, zone)

    assert planned.tzinfo is UTC
    assert allowed(planned, zone, window)
    assert planned >= rule
    # The next slot: the minute before was either before the rule or not allowed.
    before = planned - MINUTE
    assert before < rule or not allowed(before, zone, window)


@settings(max_examples=300, deadline=None)
@given(
    due=due_dates,
    offset=st.integers(-60, 60),
    window=windows(),
    zone_name=st.sampled_from(ZONES),
    gap_hours=st.integers(0, 240),
    last_minutes=st.integers(-30 * 24 * 60, 30 * 24 * 60),
)
def test_the_minimum_gap_holds_and_the_step_stays_in_an_allowed_slot(
    due, offset, window, zone_name, gap_hours, last_minutes
):
    zone = ZoneInfo(zone_name)
    gap = timedelta(hours=gap_hours)
    last = wall_instant(due, 12 * 60, zone) + timedelta(minutes=last_minutes)
    planned = step_slot(
        due_date=due, offset_days=offset, zone=zone, window=window, not_before=(last,), min_gap=gap
    )
    rule = wall_instant(due + timedelta(days=offset), window.start, zone)
    earliest = max(rule, last + gap)

    assert allowed(planned, zone, window)
    assert planned >= earliest
    before = planned - MINUTE
    assert before < earliest or not allowed(before, zone, window)


def test_exactly_the_minimum_gap_apart_is_allowed():
    zone = ZoneInfo("Europe/Berlin")
    window = Window(9 * 60, 18 * 60, frozenset({1, 2, 3, 4, 5}), frozenset())
    last = datetime(2026, 6, 8, 7, 0, tzinfo=UTC)  # Monday 09:00 CEST

    planned = step_slot(
        due_date=date(2026, 6, 10),
        offset_days=0,
        zone=zone,
        window=window,
        not_before=(last,),
        min_gap=timedelta(hours=48),
    )

    assert planned == datetime(2026, 6, 10, 7, 0, tzinfo=UTC)


def test_the_window_opening_follows_the_spring_forward_in_berlin():
    zone = ZoneInfo("Europe/Berlin")
    window = Window(9 * 60, 18 * 60, frozenset(range(1, 8)), frozenset())

    before = step_slot(due_date=date(2026, 3, 28), offset_days=0, zone=zone, window=window)
    after = step_slot(due_date=date(2026, 3, 29), offset_days=0, zone=zone, window=window)

    assert before == datetime(2026, 3, 28, 8, 0, tzinfo=UTC)  # 09:00 CET
    assert after == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # 09:00 CEST


def test_a_window_opening_inside_the_gap_opens_when_the_clocks_jump():
    zone = ZoneInfo("America/New_York")

    opens = wall_instant(date(2026, 3, 8), 2 * 60 + 30, zone)  # 02:30 does not exist that day

    assert opens == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 03:00 EDT
    assert opens.astimezone(zone).strftime("%H:%M") == "03:00"


def test_an_ambiguous_opening_is_its_first_occurrence():
    zone = ZoneInfo("America/New_York")

    opens = wall_instant(date(2026, 11, 1), 1 * 60 + 30, zone)

    assert opens == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, before the repeat


def test_a_weekend_and_a_holiday_move_the_step_to_the_next_business_morning():
    zone = ZoneInfo("Asia/Tokyo")
    window = Window(9 * 60, 18 * 60, frozenset({1, 2, 3, 4, 5}), frozenset({date(2026, 12, 28)}))

    # Saturday 26 December → Monday 28 is a holiday → Tuesday 29 at 09:00 JST.
    planned = step_slot(due_date=date(2026, 12, 26), offset_days=0, zone=zone, window=window)

    assert planned == datetime(2026, 12, 29, 0, 0, tzinfo=UTC)


def test_after_the_window_closes_the_next_slot_is_the_next_opening():
    zone = ZoneInfo("Europe/Berlin")
    window = Window(9 * 60, 18 * 60, frozenset({1, 2, 3, 4, 5}), frozenset())

    slot = next_slot(datetime(2026, 6, 12, 16, 0, tzinfo=UTC), zone, window)  # Fri 18:00 CEST

    assert slot == datetime(2026, 6, 15, 7, 0, tzinfo=UTC)  # Monday 09:00 CEST
