"""Calendar arithmetic in the organization's own time zone."""

from datetime import date, datetime, time

from billing.models import Organization


def local_today(organization: Organization, now: datetime) -> date:
    return now.astimezone(organization.tzinfo).date()


def local_start(organization: Organization, day: date) -> datetime:
    """The first instant of ``day`` in the organization's zone, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=organization.tzinfo)


def month_start(organization: Organization, now: datetime) -> datetime:
    return local_start(organization, local_today(organization, now).replace(day=1))
