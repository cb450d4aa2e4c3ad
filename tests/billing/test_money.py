from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.money import (
    MAX_AMOUNT_MINOR,
    MoneyError,
    allocate,
    dumps,
    exponent,
    format_money,
    to_major,
    to_minor,
)


@pytest.mark.parametrize(
    ("currency", "digits"), [("JPY", 0), ("USD", 2), ("RUB", 2), ("KWD", 3), ("USDC", 2)]
)
def test_exponent(currency, digits):
    assert exponent(currency) == digits


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [("2500.00", "USD", 250000), ("1234", "JPY", 1234), ("1.234", "KWD", 1234), ("0.1", "USD", 10)],
)
def test_to_minor_exact(amount, currency, minor):
    assert to_minor(amount, currency) == minor
    assert to_major(minor, currency) == Decimal(amount).quantize(
        Decimal(1).scaleb(-exponent(currency))
    )


@pytest.mark.parametrize(("amount", "currency"), [("1.5", "JPY"), ("0.001", "USD"), ("nan", "USD")])
def test_to_minor_refuses_inexact(amount, currency):
    with pytest.raises(MoneyError):
        to_minor(amount, currency)


@pytest.mark.parametrize(
    ("minor", "currency", "locale", "style", "text"),
    [
        (4990000, "RUB", "en", "code", "49,900 RUB"),
        (4990050, "RUB", "en", "code", "49,900.50 RUB"),
        (4990000, "RUB", "ru", "symbol", "49\xa0900,00\xa0₽"),
        (4990000, "RUB", "ru-RU", "code", "49\xa0900 RUB"),
        (1234, "JPY", "en", "code", "1,234 JPY"),
        (1234567, "KWD", "en", "code", "1,234.567 KWD"),
        (250000, "USD", "en-US", "symbol", "$2,500.00"),
        (180000, "EUR", "de-DE", "symbol", "1.800,00\xa0€"),
    ],
)
def test_format_money(minor, currency, locale, style, text):
    assert format_money(minor, currency, locale, style=style) == text


@given(
    total=st.integers(min_value=-(10**12), max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=30),
)
def test_allocate_is_exact_and_proportional(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == total
    assert len(parts) == len(weights)
    if sum(weights) > 0:
        for part, weight in zip(parts, weights, strict=True):
            ideal = Decimal(total) * weight / sum(weights)
            assert abs(Decimal(part) - ideal) < 1


def test_the_json_encoder_writes_amounts_exactly():
    payload = {
        "usd": to_major(1000, "USD"),
        "jpy": to_major(0, "JPY"),
        "kwd": to_major(12345, "KWD"),
        "largest": to_major(MAX_AMOUNT_MINOR, "USD"),
        "nested": [Decimal("90071992547409.93"), 1.5, 7, None, "10.0"],
    }
    assert dumps(payload) == (
        '{"usd": 10.00, "jpy": 0, "kwd": 12.345, "largest": 9999999999999.99, '
        '"nested": [90071992547409.93, 1.5, 7, null, "10.0"]}'
    )
    assert dumps({"a": [Decimal("1.10")]}, indent=1, sort_keys=True) == '{\n "a": [\n  1.10\n ]\n}'


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_the_json_encoder_refuses_decimals_without_a_json_number(value):
    with pytest.raises(ValueError, match="has no JSON number"):
        dumps({"amount": value})


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("10000000000000", "USD"), ("1000000000000000", "JPY"), ("-10000000000000", "USD")],
)
def test_to_minor_refuses_amounts_above_the_maximum(amount, currency):
    with pytest.raises(MoneyError, match=f"{currency} amounts must not exceed"):
        to_minor(amount, currency)
    assert to_minor(str(to_major(MAX_AMOUNT_MINOR, currency)), currency) == MAX_AMOUNT_MINOR
