"""An outside calculator, written only from the README's "Billing rules", against the API.

Nothing here imports the product's maths: the calculator works in exact fractions from the
README's sentences (line rounding, compound bases, ``k`` for inclusive taxes, the fixed amount
spread per line, the maximum, payments), and random invoices must come back with exactly its
figures, or be refused exactly when it says so.
"""

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.models import Tax, TaxComponent
from tests.api.money_support import exact, send
from tests.factories import ProductFactory

DECIMALS = {"JPY": 0, "USD": 2, "EUR": 2, "KWD": 3}
MAXIMUM = 999_999_999_999_999  # README: "at most 999,999,999,999,999 minor units"


# --- the calculator ---------------------------------------------------------------------------


def half_up(value: Fraction) -> int:
    """README: half away from zero each time an amount becomes minor units."""
    sign = -1 if value < 0 else 1
    return sign * int(abs(value) + Fraction(1, 2))


@dataclass(frozen=True)
class Part:
    type: str  # PERCENTAGE or FIXED
    rate: Decimal  # percent, or the fixed amount in major units
    compound: bool = False


def fixed_minor(parts: list[Part], currency: str) -> int:
    return sum(int(Fraction(p.rate) * 10 ** DECIMALS[currency]) for p in parts if p.type == "FIXED")


def percentage_tax(parts: list[Part], net: int) -> int:
    """Each component rounded on its own; a compound one taxes the net plus the PERCENTAGE
    components before it, never a FIXED one."""
    before = 0
    for part in parts:
        if part.type == "PERCENTAGE":
            base = net + before if part.compound else net
            before += half_up(base * Fraction(part.rate) / 100)
    return before


def factor(parts: list[Part]) -> Fraction:
    """``k``: from 0, each PERCENTAGE component adds r, or r * (1 + k) when compound."""
    k = Fraction(0)
    for part in parts:
        if part.type == "PERCENTAGE":
            r = Fraction(part.rate) / 100
            k += r * (1 + k) if part.compound else r
    return k


def spread(total: int, weights: list[int]) -> list[int]:
    """Largest remainder, ties to the earlier line, all to the first when every line is zero."""
    if sum(weights) == 0:
        return [total] + [0] * (len(weights) - 1)
    exact_parts = [Fraction(total * w, sum(weights)) for w in weights]
    parts = [int(x) for x in exact_parts]
    order = sorted(range(len(weights)), key=lambda i: (-(exact_parts[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def expected(lines, parts, inclusive, mode, currency) -> tuple[int, int, int] | None:
    """(subtotal, tax, total) in minor units, or None when the invoice must be refused."""
    amounts = [half_up(Fraction(price) * Fraction(quantity)) for price, quantity in lines]
    fixed = fixed_minor(parts, currency)
    if not parts:
        subtotal, tax = sum(amounts), 0
    elif not inclusive:
        subtotal = sum(amounts)
        if mode == "PER_INVOICE":
            tax = percentage_tax(parts, subtotal) + fixed
        else:
            tax = sum(percentage_tax(parts, a) for a in amounts) + fixed
    else:
        if fixed > sum(amounts):
            return None  # the included fixed tax is larger than the invoice amount
        k = factor(parts)
        if mode == "PER_INVOICE":
            subtotal = half_up((sum(amounts) - fixed) / (1 + k))
        else:
            shares = spread(fixed, amounts)
            subtotal = sum(half_up((a - f) / (1 + k)) for a, f in zip(amounts, shares, strict=True))
        tax = sum(amounts) - subtotal
    if any(a > MAXIMUM for a in amounts) or subtotal + tax > MAXIMUM:
        return None
    return subtotal, tax, subtotal + tax


def major(minor: int, currency: str) -> str:
    return str(Decimal(minor).scaleb(-DECIMALS[currency]))


# --- random invoices --------------------------------------------------------------------------


def rate_strategy():
    return st.decimals(min_value=0, max_value=30, places=2)


@st.composite
def parts_strategy(draw, currency: str):
    parts = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        if draw(st.booleans()):
            minor = draw(st.integers(min_value=0, max_value=5000))
            parts.append(Part("FIXED", Decimal(minor).scaleb(-DECIMALS[currency])))
        else:
            parts.append(Part("PERCENTAGE", draw(rate_strategy()), draw(st.booleans())))
    return parts


@st.composite
def invoices(draw):
    currency = draw(st.sampled_from(sorted(DECIMALS)))
    big = draw(st.booleans())
    price = st.integers(min_value=0, max_value=10**13 if big else 10**6)
    quantity = st.decimals(min_value=Decimal("0.001"), max_value=1000, places=3)
    lines = draw(st.lists(st.tuples(price, quantity), min_size=1, max_size=5))
    return {
        "currency": currency,
        "lines": lines,
        "parts": draw(parts_strategy(currency)),
        "inclusive": draw(st.booleans()),
        "mode": draw(st.sampled_from(["PER_LINE", "PER_INVOICE"])),
        "partial": draw(st.booleans()),
        "payments": draw(st.lists(st.integers(min_value=1, max_value=10**6), max_size=3)),
        "pay_rest": draw(st.booleans()),
    }


def make_tax(api, parts: list[Part], inclusive: bool) -> Tax | None:
    if not parts:
        return None
    tax = Tax.objects.create(organization=api.org, name="Mixed", rate=0, inclusive=inclusive)
    for position, part in enumerate(parts):
        TaxComponent.objects.create(
            tax=tax,
            position=position,
            name=f"Part {position}",
            type=part.type,
            rate=part.rate,
            compound=part.compound,
        )
    return tax


@pytest.fixture
def unlimited(settings):
    settings.API_RATE_LIMIT = "1000000/min"


@settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=invoices())
def test_the_api_agrees_with_a_calculator_written_from_the_readme(api, unlimited, case):
    currency = case["currency"]
    api.org.tax_rounding = case["mode"]
    api.org.save(update_fields=["tax_rounding"])
    products = [
        ProductFactory(organization=api.org, unit_price=price, currency=currency)
        for price, _ in case["lines"]
    ]
    tax = make_tax(api, case["parts"], case["inclusive"])
    body = api.invoice_body(
        items=[
            {"product_id": str(p.pk), "quantity": q}
            for p, (_, q) in zip(products, case["lines"], strict=True)
        ],
        currency=currency,
        taxId=str(tax.pk) if tax else None,
        partial_payment=case["partial"],
    )
    figures = expected(case["lines"], case["parts"], case["inclusive"], case["mode"], currency)

    preview = exact(send(api, "post", "invoices/preview", body))
    created = send(api, "post", "invoices", body)
    if figures is None:
        assert preview["validation"]["isValid"] is False
        assert created.status_code == 400
        return
    subtotal, tax_amount, total = (major(m, currency) for m in figures)
    assert [str(preview["preview"][f]) for f in ("subtotal", "taxAmount", "total")] == [
        subtotal,
        tax_amount,
        total,
    ]
    assert created.status_code == 201, created.content
    invoice = exact(created)
    assert [str(invoice[f]) for f in ("subtotal", "tax_amount", "total")] == [
        subtotal,
        tax_amount,
        total,
    ]
    pay(api, invoice["id"], case, total_minor=figures[2])


def pay(api, invoice_id: str, case: dict, *, total_minor: int) -> None:
    """README: partial payments only when allowed, overpayment refused, PAID when nothing is due."""
    currency, due = case["currency"], total_minor
    amounts = [*case["payments"], None] if case["pay_rest"] else case["payments"]
    for amount in amounts:
        if due == 0:
            break
        amount = due if amount is None else amount
        accepted = amount <= due and (amount == due or case["partial"])
        answer = send(
            api,
            "post",
            f"invoices/{invoice_id}/payments",
            {"amount": Decimal(major(amount, currency)), "method": "CASH"},
        )
        assert answer.status_code == (201 if accepted else 400), answer.content
        due -= amount if accepted else 0
        state = exact(api.get(f"invoices/{invoice_id}"))
        assert str(state["amount_due"]) == major(due, currency)
        assert str(state["amount_paid"]) == major(total_minor - due, currency)
        assert state["status"] == (
            "PAID" if due == 0 else "PARTIALLYPAID" if due < total_minor else "OPEN"
        )
