"""The funnel's stored days always equal a recomputation from the delivery rows and invoices.

Random sequences of what moves an invoice through the funnel (finalize at times on either side
of midnight in the organization's zone, send on each channel, delivery status moves reported by
the provider, the pay page opened, payments in part or in full, reversals, credit notes with or
without refund, voids, write-offs), each through its service and the delivery hooks run on
commit; afterwards the stored rows equal ``funnel_days.computed`` and ``selectors.funnel``
equals the old range query over the delivery rows, for each day and for the whole period.
"""

import contextlib
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.errors import BillingError
from billing.models import FunnelDay, Invoice
from billing.reports import figures, funnel_days, selectors
from billing.reports.selectors import ChannelFunnel
from billing.services.invoice_email import invoice_send_email
from billing.services.invoices import invoice_finalize
from billing.services.pay_links import record_opened
from billing.services.payments import payment_record, payment_reverse
from billing.services.whatsapp import invoice_send_whatsapp
from notifications import status as message_status
from notifications.models import Message
from tests.factories import OrganizationFactory, make_invoice
from tests.reports.money_steps import ACTOR, MONEY_STEPS, money_step

pytestmark = pytest.mark.django_db
INVOICES = 2
ZONE = "America/Los_Angeles"
# 06:00 UTC on 2 June is 23:00 on 1 June in Los Angeles; finalizing steps land up to 3 hours on.
MIDNIGHT_LA = datetime(2026, 6, 2, 7, 0, tzinfo=UTC)
FIRST_DAY, LAST_DAY = date(2026, 6, 1), date(2026, 6, 2)
REPORTED = [
    "accepted",
    "pending",
    "sent",
    "delivered",
    "read",
    "opened",
    "clicked",
    "bounced",
    "undelivered",
    "failed",
    "unknown",
]

FUNNEL_STEPS = ("finalize", "email", "whatsapp", "report", "open")
steps = st.lists(
    st.tuples(
        st.sampled_from((*FUNNEL_STEPS, *MONEY_STEPS)),
        st.integers(0, INVOICES - 1),
        st.integers(1, 100),  # a percentage of what the step may move, or a choice
    ),
    max_size=20,
)


def _drafts(org) -> list[Invoice]:
    return [
        make_invoice(
            org,
            lines=((10_000 + 2_500 * n, 1),),
            partial_payment=True,
            payment_link=True,
            delivery="MANUALLY",
        )
        for n in range(INVOICES)
    ]


def _report(invoice: Invoice, choice: int) -> None:
    """The provider reports a status for one of the invoice's messages."""
    messages = list(
        Message.objects.filter(
            subject_type=ContentType.objects.get_for_model(Invoice), subject_id=str(invoice.pk)
        ).order_by("created_at", "pk")
    )
    if messages:
        message = messages[choice % len(messages)]
        message_status.transition(message.pk, REPORTED[choice % len(REPORTED)], source="webhook")


def _step(name: str, invoice: Invoice, percent: int) -> None:
    invoice.refresh_from_db()
    if name == "finalize":
        at = MIDNIGHT_LA - timedelta(hours=1) + timedelta(minutes=2 * percent)
        invoice_finalize(invoice=invoice, actor=ACTOR, now=at)
    elif name == "email":
        invoice_send_email(invoice=invoice, actor=ACTOR)
    elif name == "whatsapp":  # the customer has no phone: refused before any provider call
        invoice_send_whatsapp(invoice=invoice, actor=ACTOR)
    elif name == "report":
        _report(invoice, percent)
    elif name == "open":
        if invoice.status != Invoice.Status.DRAFT:  # the pay page opens issued invoices only
            record_opened(invoice)
    else:
        money_step(name, invoice, percent)


def _windows():
    return [(FIRST_DAY, FIRST_DAY), (LAST_DAY, LAST_DAY), (FIRST_DAY, LAST_DAY)]


def _recomputed(org, start, end) -> list[ChannelFunnel]:
    found = funnel_days.computed_window(organization=org, start=start, end=end)
    empty = dict.fromkeys(funnel_days.STAGES, 0)
    return [ChannelFunnel(channel=c, **found.get(c, empty)) for c in ("whatsapp", "email")]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_stored_funnel_equals_a_recomputation_after_any_sequence(
    steps, django_capture_on_commit_callbacks
):
    org = OrganizationFactory(time_zone=ZONE)
    invoices = _drafts(org)
    for name, index, percent in steps:
        # A refused step must have moved nothing, which the comparison checks as well.
        with (
            contextlib.suppress(BillingError),
            django_capture_on_commit_callbacks(execute=True),  # sends and delivery hooks
        ):
            _step(name, invoices[index], percent)
    assert funnel_days.stored(org) == funnel_days.computed(org)
    for start, end in _windows():
        assert selectors.funnel(organization=org, start=start, end=end) == _recomputed(
            org, start, end
        )


def _issued_at(org, capture, moment: datetime) -> Invoice:
    with time_machine.travel(moment, tick=False), capture(execute=True):
        return make_invoice(org, status="OPEN", delivery="EMAIL", payment_link=True)


def test_invoices_count_on_the_day_they_were_issued_in_the_organizations_zone(
    django_capture_on_commit_callbacks,
):
    org = OrganizationFactory(time_zone=ZONE)
    late = _issued_at(org, django_capture_on_commit_callbacks, MIDNIGHT_LA - timedelta(minutes=1))
    early = _issued_at(org, django_capture_on_commit_callbacks, MIDNIGHT_LA)
    with django_capture_on_commit_callbacks(execute=True):
        record_opened(late)
        payment_record(invoice=early, amount=early.total, method="CASH", actor=ACTOR)
    day = {
        when: selectors.funnel(organization=org, start=when, end=when)[1]
        for when in (FIRST_DAY, LAST_DAY)
    }
    assert day[FIRST_DAY] == ChannelFunnel("email", 1, 1, 0, 0, opened=1, paid=0)
    assert day[LAST_DAY] == ChannelFunnel("email", 1, 1, 0, 0, opened=0, paid=1)
    assert sorted(FunnelDay.objects.values_list("day", "issued", "opened", "paid")) == [
        (FIRST_DAY, 1, 1, 0),
        (LAST_DAY, 1, 0, 1),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        payment_reverse(payment=early.payments.get(), reason="bounced transfer", actor=ACTOR)
    assert selectors.funnel(organization=org, start=FIRST_DAY, end=LAST_DAY)[1] == ChannelFunnel(
        "email", 2, 2, 0, 0, opened=1, paid=0
    )


def test_rebuild_replaces_funnel_rows_written_past_the_services(
    django_capture_on_commit_callbacks,
):
    org = OrganizationFactory(time_zone=ZONE)
    invoice = _issued_at(org, django_capture_on_commit_callbacks, MIDNIGHT_LA)
    FunnelDay.objects.filter(organization=org).update(issued=7, paid=3)
    FunnelDay.objects.create(organization=org, day=FIRST_DAY, channel="whatsapp", issued=2)
    assert figures.rebuild(organization=org) == (1, 1, 1)
    assert funnel_days.stored(org) == {(LAST_DAY, "email"): (1, 1, 0, 0, 0, 0)}
    assert invoice.deliveries.get().status == "sent"
