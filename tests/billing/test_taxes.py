"""Tax maths, example-based and as properties over random invoices."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.taxes import FIXED, PER_INVOICE, PER_LINE, PERCENTAGE, Component, TaxRule, compute

VAT20 = Component("VAT", PERCENTAGE, Decimal(20))


def rule(*components, inclusive=False):
    return TaxRule(components=tuple(components), inclusive=inclusive)


def test_exclusive_percentage_per_line_rounds_each_line():
    # 8.5 % of 1.05 = 0.08925 → 0.09 per line; per invoice 8.5 % of 2.10 = 0.1785 → 0.18
    per_line = compute([105, 105], rule(Component("T", PERCENTAGE, Decimal("8.5"))), PER_LINE)
    per_invoice = compute([105, 105], rule(Component("T", PERCENTAGE, Decimal("8.5"))), PER_INVOICE)
    assert (per_line.subtotal, per_line.tax, per_line.total) == (210, 18, 228)
    assert (per_invoice.subtotal, per_invoice.tax, per_invoice.total) == (210, 18, 228)
    three = compute([5, 5, 5], rule(Component("T", PERCENTAGE, Decimal(10))), PER_LINE)
    three_inv = compute([5, 5, 5], rule(Component("T", PERCENTAGE, Decimal(10))), PER_INVOICE)
    assert three.tax == 3  # 0.5 → 1 on each line (half away from zero)
    assert three_inv.tax == 2  # 1.5 → 2 once


def test_inclusive_keeps_gross_and_uses_documented_formula():
    totals = compute([1200, 999], rule(VAT20, inclusive=True), PER_LINE)
    assert [line.net for line in totals.lines] == [1000, 833]  # round(999 / 1.2) = 832.5 → 833
    assert totals.total == 2199
    assert totals.tax == 2199 - 1833


def test_fixed_tax_charged_once_and_spread_over_lines():
    totals = compute(
        [300, 100], rule(Component("Fee", FIXED, Decimal(5), fixed_minor=500)), PER_LINE
    )
    assert totals.tax == 500
    assert [line.tax for line in totals.lines] == [375, 125]
    assert totals.breakdown == [{"name": "Fee", "amount": 500}]


def test_compound_taxes_tax_previous_components():
    quebec = rule(
        Component("GST", PERCENTAGE, Decimal(5)),
        Component("QST", PERCENTAGE, Decimal("9.975"), compound=True),
    )
    totals = compute([10000], quebec, PER_INVOICE)
    # GST 5 % of 100.00 = 5.00; QST 9.975 % of 105.00 = 10.47375 → 10.47
    assert totals.breakdown == [{"name": "GST", "amount": 500}, {"name": "QST", "amount": 1047}]
    assert totals.total == 11547


def test_inclusive_compound_splits_exactly():
    quebec = rule(
        Component("GST", PERCENTAGE, Decimal(5)),
        Component("QST", PERCENTAGE, Decimal("9.975"), compound=True),
        inclusive=True,
    )
    totals = compute([11547], quebec, PER_INVOICE)
    assert totals.subtotal == 10000
    assert sum(part["amount"] for part in totals.breakdown) == 1547


def test_no_tax():
    totals = compute([100, 250], None)
    assert (totals.subtotal, totals.tax, totals.total) == (350, 0, 350)


# --- properties ----------------------------------------------------------------------------------
rates = st.decimals(min_value=0, max_value=50, places=3, allow_nan=False, allow_infinity=False)
percentage = st.builds(
    Component, name=st.just("p"), type=st.just(PERCENTAGE), rate=rates, compound=st.booleans()
)
fixed = st.builds(
    Component,
    name=st.just("f"),
    type=st.just(FIXED),
    rate=st.just(Decimal(0)),
    fixed_minor=st.integers(min_value=0, max_value=5000),
)
rules = st.builds(
    TaxRule,
    components=st.lists(st.one_of(percentage, percentage, fixed), min_size=1, max_size=4).map(
        tuple
    ),
    inclusive=st.booleans(),
)
# Line amounts as a 0-, 2- or 3-decimal currency would store them (minor units are integers).
amounts = st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=25)
modes = st.sampled_from([PER_LINE, PER_INVOICE])


@given(amounts=amounts, tax=rules, mode=modes)
def test_lines_always_sum_to_totals(amounts, tax, mode):
    totals = compute(amounts, tax, mode)
    assert sum(line.net for line in totals.lines) == totals.subtotal
    assert sum(line.tax for line in totals.lines) == totals.tax
    assert sum(part["amount"] for part in totals.breakdown) == totals.tax
    assert totals.subtotal + totals.tax == totals.total
    assert all(isinstance(v, int) for v in (totals.subtotal, totals.tax, totals.total))


@given(amounts=amounts, tax=rules, mode=modes)
def test_inclusive_gross_is_preserved_to_the_minor_unit(amounts, tax, mode):
    inclusive = TaxRule(components=tax.components, inclusive=True)
    totals = compute(amounts, inclusive, mode)
    assert totals.total == sum(amounts)
    for line, amount in zip(totals.lines, amounts, strict=True):
        assert line.net + line.tax == amount


@given(amounts=amounts, rate=rates)
def test_exclusive_percentage_follows_half_up_rounding_per_line(amounts, rate):
    totals = compute(amounts, rule(Component("p", PERCENTAGE, rate)), PER_LINE)
    expected = [int((Decimal(a) * rate / 100).to_integral_value(ROUND_HALF_UP)) for a in amounts]
    assert [line.tax for line in totals.lines] == expected
    assert totals.subtotal == sum(amounts)


@given(amounts=amounts, rate=rates)
def test_exclusive_percentage_per_invoice_rounds_once(amounts, rate):
    totals = compute(amounts, rule(Component("p", PERCENTAGE, rate)), PER_INVOICE)
    assert totals.tax == int((Decimal(sum(amounts)) * rate / 100).to_integral_value(ROUND_HALF_UP))


@given(amounts=amounts, rate=rates)
def test_inclusive_net_is_rounded_gross_over_one_plus_rate(amounts, rate):
    totals = compute(amounts, rule(Component("p", PERCENTAGE, rate), inclusive=True), PER_LINE)
    for line, gross in zip(totals.lines, amounts, strict=True):
        expected = (Decimal(gross) / (1 + rate / 100)).to_integral_value(ROUND_HALF_UP)
        assert line.net == int(expected)


@pytest.mark.parametrize("currency", ["JPY", "KWD"])
def test_zero_and_three_decimal_currencies_through_the_service(db, currency):
    from tests.factories import OrganizationFactory, TaxFactory, make_invoice

    org = OrganizationFactory(default_currency=currency)
    tax = TaxFactory(organization=org, rate=Decimal("7.5"))
    invoice = make_invoice(org, lines=[(12345, 3), (1, 7)], tax=tax, status="OPEN")
    # 37035 + 7 = 37042 minor units; 7.5 % per line: 2777.625 → 2778, 0.525 → 1
    assert (invoice.subtotal, invoice.tax_amount, invoice.total) == (37042, 2779, 39821)
    assert invoice.money(invoice.total) == ("39,821 JPY" if currency == "JPY" else "39.821 KWD")
