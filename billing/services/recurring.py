"""Recurring invoice schedules: N invoices from a template, each created exactly once.

The queue calls ``recurring_create_due`` every few minutes. Each occurrence is created in one
transaction together with its ``RecurringOccurrence`` row; UNIQUE(schedule, index) means a second
worker (or a re-delivered task) rolls back instead of creating a duplicate invoice.
"""

import logging
from dataclasses import replace
from datetime import date

from django.db import IntegrityError, transaction

from billing.errors import BillingError, InvalidInvoice, NotEditable
from billing.models import Invoice, Organization, RecurringInvoice, RecurringOccurrence
from billing.services.actors import Actor
from billing.services.invoice_requests import (
    InvoiceRequest,
    Lookups,
    invoice_submit,
    organization_today,
    resolve,
)

logger = logging.getLogger(__name__)
RECURRING_ACTOR = Actor(label="recurring")
FIXED_ONCE_STARTED = ("frequency", "start_date")


def _occurrence_request(schedule: RecurringInvoice, index: int) -> InvoiceRequest:
    due = schedule.due_date(index)
    request = InvoiceRequest.from_body(
        {**schedule.template, "due_date": due, "send_date": schedule.send_date(index)}
    )
    name = f"{schedule.template.get('name', 'Invoice')} - {due:%Y-%m}"
    return replace(request, fields={**request.fields, "name": name[:200]})


def _check(schedule: RecurringInvoice) -> None:
    today = organization_today(schedule.organization)
    if schedule.start_date < today:
        raise InvalidInvoice("start_date cannot be in the past")
    if not 1 <= schedule.count <= 120:
        raise InvalidInvoice("count must be between 1 and 120")
    try:
        schedule.due_date(schedule.count - 1)
    except ValueError:  # a year past 9999
        raise InvalidInvoice(
            "The last due date of the schedule would be after 9999-12-31"
        ) from None
    # The template must make a valid invoice now, so mistakes surface at creation, not months on.
    resolve(request=_occurrence_request(schedule, 0), lookups=Lookups(schedule.organization))


@transaction.atomic
def recurring_create(*, organization: Organization, **fields) -> RecurringInvoice:
    schedule = RecurringInvoice(organization=organization, **fields)
    _check(schedule)
    schedule.save()
    return schedule


def _check_changes(schedule: RecurringInvoice, fields: dict) -> None:
    created = schedule.occurrences.count()
    moved = [f for f in FIXED_ONCE_STARTED if f in fields and fields[f] != getattr(schedule, f)]
    if created and moved:
        raise NotEditable(f"{', '.join(moved)} cannot change once invoices have been created")
    if fields.get("count", schedule.count) < created:
        raise InvalidInvoice(f"count cannot be lower than the {created} invoices already created")
    if not created:
        _check(RecurringInvoice(**{**_field_values(schedule), **fields}))


def _field_values(schedule: RecurringInvoice) -> dict:
    return {f.attname: getattr(schedule, f.attname) for f in RecurringInvoice._meta.concrete_fields}


def recurring_check(
    *, organization: Organization, schedule: RecurringInvoice | None = None, **fields
) -> None:
    """What ``recurring_create`` (no schedule) or ``recurring_update`` would refuse, raised
    without saving anything: a form shows it before the save."""
    if schedule is None:
        _check(RecurringInvoice(organization=organization, **fields))
    else:
        _check_changes(schedule, fields)


@transaction.atomic
def recurring_update(*, schedule: RecurringInvoice, **fields) -> RecurringInvoice:
    """Changes apply to occurrences not created yet; the calendar is fixed once one exists."""
    schedule = RecurringInvoice.objects.select_for_update().get(pk=schedule.pk)
    _check_changes(schedule, fields)
    for name, value in fields.items():
        setattr(schedule, name, value)
    schedule.save(update_fields=[*fields, "updated_at"])
    return schedule


@transaction.atomic
def recurring_delete(*, schedule: RecurringInvoice) -> None:
    if schedule.occurrences.exists():
        raise NotEditable("The schedule has created invoices; set active to false instead")
    schedule.delete()


def next_due_date(schedule: RecurringInvoice, created: int) -> date | None:
    return schedule.due_date(created) if created < schedule.count else None


@transaction.atomic
def _create_occurrence(schedule: RecurringInvoice, index: int) -> Invoice:
    invoice = invoice_submit(
        organization=schedule.organization,
        request=_occurrence_request(schedule, index),
        actor=RECURRING_ACTOR,
        allow_past_due=True,
    )
    RecurringOccurrence.objects.create(
        schedule=schedule, index=index, due_date=schedule.due_date(index), invoice=invoice
    )
    return invoice


def recurring_run(*, schedule: RecurringInvoice) -> list[Invoice]:
    """Create every occurrence whose send date has come (in the organization's time zone)."""
    today = organization_today(schedule.organization)
    done = set(schedule.occurrences.values_list("index", flat=True))
    created = []
    for index in range(schedule.count):
        if schedule.send_date(index) > today:
            break
        if index in done:
            continue
        try:
            created.append(_create_occurrence(schedule, index))
        except IntegrityError:
            continue  # another worker created this occurrence first
        except BillingError as exc:
            # A customer or product deactivated since: keep the error visible, retry next run.
            schedule.last_error = str(exc)[:1000]
            schedule.save(update_fields=["last_error", "updated_at"])
            logger.warning("recurring schedule %s occurrence %s failed", schedule.pk, index)
            break
    return created


def recurring_create_due() -> int:
    schedules = RecurringInvoice.objects.filter(active=True).select_related("organization")
    return sum(len(recurring_run(schedule=schedule)) for schedule in schedules)
