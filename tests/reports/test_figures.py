"""The stored figures always equal a recomputation from the invoices, payments and credit notes.

Random sequences of everything a clerk, the API or a customer can do to an invoice's money
(open, pay in part or in full, reverse, credit with or without refund, void, write off,
dispute), each through its service, refused or not; after each sequence the stored rows are
compared with ``figures.computed_*``.
"""

import contextlib
import io
import json
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.collections.replies import invoice_apply_reply
from billing.errors import BillingError
from billing.models import DayTotals, Invoice, OpenBalance, Payment
from billing.reports import figures, selectors
from billing.services.credit_notes import credit_note_issue
from billing.services.invoices import invoice_finalize
from billing.services.payments import payment_record, payment_reverse
from tests.factories import OrganizationFactory, make_invoice
from tests.reports import fixture
from tests.reports.fixture import NOW
from tests.reports.money_steps import ACTOR, MONEY_STEPS, money_step

pytestmark = pytest.mark.django_db
INVOICES = 4

steps = st.lists(
    st.tuples(
        st.sampled_from(["finalize", *MONEY_STEPS, "dispute"]),
        st.integers(0, INVOICES - 1),
        st.integers(1, 100),  # a percentage of what the step may move
    ),
    max_size=14,
)


def _invoices(org) -> list[Invoice]:
    today = timezone.localdate()
    return [
        make_invoice(
            org,
            status="OPEN" if n % 2 else "DRAFT",
            lines=((10_000 + 2_500 * n, 1),),
            currency=("USD", "JPY")[n % 2],
            due_date=today + timedelta(days=(-40, 3, -1, 10)[n]),
            partial_payment=True,
            delivery="MANUALLY",
        )
        for n in range(INVOICES)
    ]


def _step(name: str, invoice: Invoice, percent: int) -> None:
    invoice.refresh_from_db()
    if name == "finalize":
        invoice_finalize(invoice=invoice, actor=ACTOR)
    elif name == "dispute":
        invoice_apply_reply(invoice_id=invoice.pk, action="dispute", text="")
    else:
        money_step(name, invoice, percent)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_stored_figures_equal_a_recomputation_after_any_sequence(steps):
    org = OrganizationFactory(time_zone="Asia/Tokyo")
    invoices = _invoices(org)
    for name, index, percent in steps:
        # A refused step must have moved nothing, which the comparison checks as well.
        with contextlib.suppress(BillingError):
            _step(name, invoices[index], percent)
    assert figures.stored_balances(org) == figures.computed_balances(org)
    assert figures.stored_days(org) == figures.computed_days(org)


def test_a_known_sequence_moves_each_row_by_exactly_its_amounts():
    org = OrganizationFactory(time_zone="UTC")
    today = timezone.localdate()
    invoice = make_invoice(
        org, status="OPEN", lines=((10_000, 1),), due_date=today, partial_payment=True
    )
    payment_record(invoice=invoice, amount=4_000, method="BANK_TRANSFER", actor=ACTOR)
    assert figures.stored_balances(org) == {("USD", today, False): (6_000, 1)}
    assert figures.stored_days(org) == {("USD", today): (10_000, 1, 4_000)}
    credit_note_issue(
        invoice=invoice, reason="ORDER_CHANGE", actor=ACTOR, amount=7_000, refund_amount=1_000
    )  # 6,000 of the amount due, then 1,000 of the money received, refunded
    assert figures.stored_balances(org) == {}
    assert figures.stored_days(org) == {("USD", today): (10_000, 1, 3_000)}


def test_a_dispute_leaves_outstanding_and_aging_but_not_overdue():
    built = fixture.build()
    overdue = built.usd[5]  # 61 days past due, 600.00 USD
    invoice_apply_reply(invoice_id=overdue.pk, action="dispute", text="")
    usd = selectors.summary(organization=built.org, now=NOW)[2]
    assert (usd.outstanding, usd.overdue, usd.overdue_count) == (537500, 470000, 8)
    aging = selectors.aging(organization=built.org, now=NOW)[2]
    assert aging.d61_90 == 130000  # the remaining balance still ages
    assert figures.stored_balances(built.org) == figures.computed_balances(built.org)


def test_reversals_and_refunds_are_not_collected():
    built = fixture.build()
    payment = Payment.objects.get(invoice=built.kwd)  # 0.125 KWD two days before NOW
    paid = Payment.objects.get(invoice__organization=built.org, amount=5000).invoice  # 50.00 USD
    with time_machine.travel(NOW, tick=False):
        payment_reverse(payment=payment, reason="bounced transfer", actor=ACTOR)
        credit_note_issue(
            invoice=paid, reason="DUPLICATE", actor=ACTOR, amount=1000, refund_amount=1000
        )
    rows = {row.currency: row for row in selectors.summary(organization=built.org, now=NOW)}
    assert rows["KWD"].collected_30d == 0
    assert (rows["KWD"].outstanding, rows["KWD"].overdue) == (1250, 1250)
    assert rows["USD"].collected_30d == 7500 - 1000  # 10.00 of the 50.00 paid given back
    assert rows["USD"].outstanding == 537500  # a refund of a paid invoice owes nothing


def test_rebuild_figures_replaces_rows_written_past_the_services():
    org = OrganizationFactory(slug="rebuilt")
    invoice = make_invoice(org, status="OPEN", lines=((10_000, 1),))
    Invoice.objects.filter(pk=invoice.pk).update(amount_paid=2_500)  # past the services
    OpenBalance.objects.create(
        organization=org, currency="EUR", due_date=invoice.due_date, disputed=True, amount=5
    )
    out = io.StringIO()
    call_command("rebuild_figures", "--org", "rebuilt", stdout=out)
    assert json.loads(out.getvalue()) == {
        "organization": "rebuilt",
        "balances": 1,
        "days": 1,
        "funnel_days": 0,
    }
    assert figures.stored_balances(org) == {("USD", invoice.due_date, False): (7_500, 1)}
    assert DayTotals.objects.get(organization=org).issued == 10_000
