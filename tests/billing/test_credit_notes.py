from decimal import Decimal

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.errors import BillingError, CreditRejected
from billing.models import CreditNote, Invoice, InvoiceEvent, PaymentReversal
from billing.services.actors import Actor
from billing.services.credit_notes import CreditLineInput, credit_note_issue
from billing.services.payments import payment_record, payment_reverse
from billing.services.roles import RoleRequired, staff_user_set
from tests.factories import OrganizationFactory, TaxComponentFactory, TaxFactory, make_invoice

pytestmark = pytest.mark.django_db
ACTOR = Actor(label="test")


def _invoice(partial=True, lines=((10000, 1),), **fields) -> Invoice:
    org = fields.pop("org", None) or OrganizationFactory(default_currency="EUR")
    return make_invoice(org, status="OPEN", partial_payment=partial, lines=lines, **fields)


def _state(invoice: Invoice) -> tuple:
    invoice.refresh_from_db()
    return (
        invoice.status,
        invoice.amount_paid,
        invoice.amount_credited,
        CreditNote.objects.filter(invoice=invoice).count(),
        InvoiceEvent.objects.filter(invoice=invoice).count(),
    )


def test_a_credit_on_an_open_invoice_lowers_the_amount_due_first():
    invoice = _invoice()
    payment_record(invoice=invoice, amount=3000, method="CASH", actor=ACTOR)
    note = credit_note_issue(invoice=invoice, reason="ORDER_CHANGE", amount=2000, actor=ACTOR)
    invoice.refresh_from_db()
    assert (note.number, note.amount, note.pre_payment_amount, note.post_payment_amount) == (
        "CN-000001",
        2000,
        2000,
        0,
    )
    assert (invoice.status, invoice.amount_credited, invoice.amount_due) == ("OPEN", 2000, 5000)
    assert invoice.events.last().note == "Credit note CN-000001 of 20.00 EUR (order change)"


def test_a_credit_beyond_the_amount_due_splits_exactly_into_refund_and_customer_credit():
    invoice = _invoice()
    payment_record(invoice=invoice, amount=7000, method="CASH", actor=ACTOR)
    note = credit_note_issue(
        invoice=invoice,
        reason="PRODUCT_UNSATISFACTORY",
        amount=5000,
        refund_amount=1500,
        actor=ACTOR,
    )
    invoice.refresh_from_db()
    assert (
        note.pre_payment_amount,
        note.post_payment_amount,
        note.refund_amount,
        note.credit_amount,
    ) == (3000, 2000, 1500, 500)
    assert (invoice.status, invoice.amount_due) == ("PAID", 0)  # through the status door
    event = invoice.events.last()
    assert (event.from_status, event.to_status, event.note) == (
        "OPEN",
        "PAID",
        "Credit note CN-000001 of 50.00 EUR (product unsatisfactory), 15.00 EUR refunded, "
        "5.00 EUR left as credit",
    )


def test_a_paid_invoice_is_refunded_in_full_by_a_credit_note():
    invoice = _invoice(partial=False)
    payment_record(invoice=invoice, amount=10000, method="CASH", actor=ACTOR)
    note = credit_note_issue(
        invoice=invoice, reason="DUPLICATE", amount=10000, refund_amount=10000, actor=ACTOR
    )
    invoice.refresh_from_db()
    assert (note.post_payment_amount, note.refund_amount) == (10000, 10000)
    assert (invoice.status, invoice.amount_paid, invoice.amount_due) == ("PAID", 10000, 0)
    with pytest.raises(CreditRejected) as exc:
        credit_note_issue(invoice=invoice, reason="DUPLICATE", amount=1, actor=ACTOR)
    assert exc.value.messages == [
        f"A credit of 0.01 EUR exceeds what is left to credit on invoice {invoice.number}: 0.00 EUR"
    ]


def test_credit_by_lines_takes_a_share_of_each_line_with_its_tax():
    org = OrganizationFactory(default_currency="EUR")
    tax = TaxFactory(organization=org)
    TaxComponentFactory(tax=tax, name="VAT", type="PERCENTAGE", rate=Decimal("20"))
    invoice = make_invoice(org, status="OPEN", lines=((1000, 3), (500, 1)), tax=tax)
    first, second = invoice.items.order_by("position")
    assert invoice.total == 4200
    one = credit_note_issue(
        invoice=invoice,
        reason="ORDER_CHANGE",
        lines=[CreditLineInput(first, Decimal(1))],
        actor=ACTOR,
    )
    assert [(line.description, line.quantity, line.amount) for line in one.lines.all()] == [
        (first.name, Decimal("1.000"), 1200)
    ]
    rest = credit_note_issue(
        invoice=invoice,
        reason="ORDER_CHANGE",
        lines=[CreditLineInput(first, Decimal(2)), CreditLineInput(second, Decimal(1))],
        actor=ACTOR,
    )
    assert rest.amount == 3000
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_due, invoice.amount_credited) == ("PAID", 0, 4200)


def test_refused_credit_notes_change_nothing_and_take_no_number():
    invoice = _invoice()
    other = _invoice()
    draft = make_invoice(invoice.organization)
    before = _state(invoice)
    cases = [
        (dict(invoice=draft, reason="DUPLICATE", amount=100), "Only open or paid invoices"),
        (dict(invoice=invoice, reason="BECAUSE", amount=100), "reason must be one of"),
        (dict(invoice=invoice, reason="DUPLICATE"), "give either lines or an amount"),
        (dict(invoice=invoice, reason="DUPLICATE", amount=0), "amount must be greater than 0"),
        (dict(invoice=invoice, reason="DUPLICATE", amount=10001), "exceeds what is left"),
        (
            dict(invoice=invoice, reason="DUPLICATE", amount=100, refund_amount=1),
            "refund_amount: at most the post-payment part, 0.00 EUR",
        ),
        (
            dict(
                invoice=invoice,
                reason="DUPLICATE",
                lines=[CreditLineInput(other.items.get(), Decimal(1))],
            ),
            "lines: the item is not on this invoice",
        ),
        (
            dict(
                invoice=invoice,
                reason="DUPLICATE",
                lines=[CreditLineInput(invoice.items.get(), Decimal(2))],
            ),
            "lines: quantity must be between 0 and 1",
        ),
    ]
    for kwargs, sentence in cases:
        with pytest.raises(CreditRejected) as exc:
            credit_note_issue(actor=ACTOR, **kwargs)
        assert sentence in str(exc.value)
    assert _state(invoice) == before
    note = credit_note_issue(invoice=invoice, reason="DUPLICATE", amount=100, actor=ACTOR)
    assert note.number == "CN-000001"


def test_a_payment_given_back_by_a_credit_note_cannot_be_reversed():
    invoice = _invoice(partial=False)
    payment = payment_record(invoice=invoice, amount=10000, method="CASH", actor=ACTOR).payment
    credit_note_issue(
        invoice=invoice, reason="DUPLICATE", amount=4000, refund_amount=4000, actor=ACTOR
    )
    before = _state(invoice)
    with pytest.raises(BillingError) as exc:
        payment_reverse(payment=payment, reason="Mistake", actor=ACTOR)
    assert exc.value.messages == [
        "Credit notes already gave part of this payment back: it cannot be reversed"
    ]
    assert _state(invoice) == before
    assert PaymentReversal.objects.count() == 0


def test_credit_note_numbers_are_per_organization_and_follow_its_format():
    first, second = _invoice(), _invoice()
    first.organization.credit_note_number_format = "CR-{year}-{seq:03d}"
    first.organization.save(update_fields=["credit_note_number_format"])
    numbers = [
        credit_note_issue(invoice=inv, reason="DUPLICATE", amount=100, actor=ACTOR).number
        for inv in (first, second, first)
    ]
    year = first.organization.credit_notes.first().created_at.year
    assert numbers == [f"CR-{year}-001", "CN-000001", f"CR-{year}-002"]


# --- the ledger reconciles, whatever the sequence ------------------------------------------

OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["pay", "reverse", "credit"]),
        st.integers(min_value=1, max_value=12000),
        st.integers(min_value=0, max_value=12000),
    ),
    max_size=12,
)


def _try(operation, invoice, amount, extra):
    invoice.refresh_from_db()
    try:
        if operation == "pay":
            payment_record(invoice=invoice, amount=amount, method="CASH", actor=ACTOR)
        elif operation == "reverse":
            live = list(invoice.payments.filter(reversal__isnull=True))
            if live:
                payment_reverse(payment=live[amount % len(live)], reason="r", actor=ACTOR)
        else:
            credit_note_issue(
                invoice=invoice,
                reason="ORDER_CHANGE",
                amount=amount,
                refund_amount=extra,
                actor=ACTOR,
            )
    except BillingError:
        pass


def _sum(queryset, field: str) -> int:
    return queryset.aggregate(s=Sum(field))["s"] or 0


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=OPERATIONS, total=st.integers(min_value=1, max_value=10000))
def test_paid_credited_refunded_reversed_and_due_always_reconcile(operations, total):
    invoice = _invoice(lines=((total, 1),))
    for operation, amount, extra in operations:
        _try(operation, invoice, amount, extra)
    invoice.refresh_from_db()
    paid = _sum(invoice.payments.all(), "amount")
    reversed_ = _sum(invoice.payments.filter(reversal__isnull=False), "amount")
    notes = invoice.credit_notes.all()
    credited, refunded = _sum(notes, "amount"), _sum(notes, "refund_amount")
    customer_credit = _sum(notes, "credit_amount")
    assert paid + credited - refunded - reversed_ - customer_credit + invoice.amount_due == total
    assert invoice.amount_paid == paid - reversed_
    assert 0 <= invoice.amount_due <= total
    assert invoice.status == ("PAID" if invoice.amount_due == 0 else "OPEN")
    sequences = list(
        CreditNote.objects.filter(organization=invoice.organization).values_list(
            "sequence", flat=True
        )
    )
    assert sequences == list(range(1, len(sequences) + 1))
    numbers = list(notes.values_list("number", flat=True))
    assert numbers == [f"CN-{seq:06d}" for seq in sequences]


def test_a_clerk_reverses_payments_but_only_an_approver_issues_credit_notes():
    invoice = _invoice()
    org = invoice.organization
    clerk = staff_user_set(username="clerk", password="pw-12345", organization=org, role="clerk")
    approver = staff_user_set(
        username="approver", password="pw-12345", organization=org, role="approver"
    )
    as_clerk, as_approver = Actor.for_user(clerk.user), Actor.for_user(approver.user)
    payment = payment_record(invoice=invoice, amount=1000, method="CASH", actor=as_clerk).payment
    before = _state(invoice)
    with pytest.raises(RoleRequired) as exc:
        credit_note_issue(invoice=invoice, reason="DUPLICATE", amount=100, actor=as_clerk)
    assert exc.value.messages == ["Issuing a credit note needs the approver role (you are clerk)."]
    assert _state(invoice) == before
    credit_note_issue(invoice=invoice, reason="DUPLICATE", amount=100, actor=as_approver)
    payment_reverse(payment=payment, reason="Mistake", actor=as_clerk)
    invoice.refresh_from_db()
    assert (invoice.amount_paid, invoice.amount_credited, invoice.amount_due) == (0, 100, 9900)
