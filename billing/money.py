"""Exact money: integer minor units + ISO currency, arithmetic in Decimal, formatting with babel.

Rounding rule (documented in the README): every conversion to minor units rounds half away from
zero (``ROUND_HALF_UP``); nothing is ever a float, on the way in or out: ``ExactJSONEncoder`` is
the one place that writes amounts into JSON.
"""

import functools
import json
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, format_decimal, get_currency_precision, list_currencies
from django.conf import settings
from django.utils import translation

# Tokens that babel does not know but invoices are issued in (the Devdraft contract uses USDC).
EXTRA_CURRENCY_PRECISION = {"USDC": 2, "USDT": 2, "EURC": 2}
KNOWN_CURRENCIES = frozenset(list_currencies()) | frozenset(EXTRA_CURRENCY_PRECISION)
# The largest amount in minor units of any currency, for a line, an invoice total and a payment
# alike (so every invoice that can be created can be paid in full): 15 digits, below both the
# 64-bit columns and 2**53, the integers a JSON client parsing numbers as doubles keeps exact.
MAX_AMOUNT_MINOR = 10**15 - 1


class MoneyError(ValueError):
    """An amount that cannot be represented exactly in its currency."""


def is_known_currency(code: str) -> bool:
    return code in KNOWN_CURRENCIES


@functools.cache  # babel's table is fixed; exports call this for every amount of every row
def exponent(currency: str) -> int:
    """Number of minor digits: JPY 0, USD 2, KWD 3."""
    if currency in EXTRA_CURRENCY_PRECISION:
        return EXTRA_CURRENCY_PRECISION[currency]
    return get_currency_precision(currency)


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-exponent(currency))


def round_minor(value: Decimal) -> int:
    """Round a Decimal number of minor units to an integer, half away from zero."""
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def to_minor(amount: Decimal | int | str, currency: str) -> int:
    """Major units (``"49900.50"``) to minor units, refusing anything finer than the currency."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation as exc:
        raise MoneyError(f"'{amount}' is not a number") from exc
    if not value.is_finite():
        raise MoneyError(f"'{amount}' is not a finite number")
    scaled = value.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"{currency} amounts have at most {exponent(currency)} decimal places")
    if abs(scaled) > MAX_AMOUNT_MINOR:
        raise MoneyError(over_maximum(currency))
    return int(scaled)


def over_maximum(currency: str) -> str:
    return f"{currency} amounts must not exceed {to_major(MAX_AMOUNT_MINOR, currency)}"


def to_major(minor: int, currency: str) -> Decimal:
    """Minor units back to a Decimal in major units with exactly the currency's digits."""
    return Decimal(minor).scaleb(-exponent(currency)).quantize(quantum(currency))


def _babel_locale(locale: str) -> Locale:
    try:
        return Locale.parse((locale or "en").replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def format_money(minor: int, currency: str, locale: str = "en", *, style: str = "code") -> str:
    """Format an amount for people.

    ``style="code"``: grouped number then the ISO code, minor digits only when non-zero
    (``49,900 RUB``, ``49,900.50 RUB``); ``style="exact"``: every minor digit of the currency
    (``49,900.00 RUB``, ``12.345 KWD``, ``49,900 JPY``). ``style="symbol"``: the locale's own
    currency format (``49 900,00 ₽`` for ``ru``).
    """
    major = to_major(minor, currency)
    loc = _babel_locale(locale)
    if style == "symbol":
        if currency in EXTRA_CURRENCY_PRECISION:
            return f"{format_decimal(major, locale=loc, decimal_quantization=False)} {currency}"
        return format_currency(major, currency, locale=loc)
    exact = style == "exact" or major != major.to_integral_value()
    digits = exponent(currency) if exact else 0
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return f"{format_decimal(major, format=pattern, locale=loc)} {currency}"


def staff_locale() -> str:
    """The locale staff read the admin in: the active language (``LANGUAGE_CODE`` unless a
    request activated another one)."""
    return translation.get_language() or settings.LANGUAGE_CODE


def format_amount(minor: int, currency: str, locale: str | None = None) -> str:
    """The one helper for an amount people read in the admin, its audit lines and the
    customer's documents (PDF, pay page, e-mail, statement): every minor digit of the currency,
    so a column never mixes ``2,550 USD`` with ``216.75 USD`` (``2,550.00 USD``,
    ``12.345 KWD``, ``49,900 JPY``), grouped for ``locale`` (the customer's, on their documents)
    or else the staff user's."""
    return format_money(minor, currency, locale or staff_locale(), style="exact")


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` minor units over ``weights`` proportionally, exactly (largest remainder).

    The parts always sum to ``total``; with no positive weight everything goes to the first part.
    """
    if not weights:
        return []
    weight_sum = sum(weights)
    if weight_sum <= 0:
        return [total] + [0] * (len(weights) - 1)
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    exact = [Decimal(magnitude) * w / weight_sum for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (exact[i] - parts[i], -i), reverse=True)
    for i in order[: magnitude - sum(parts)]:
        parts[i] += 1
    return [sign * p for p in parts]


def _number_text(value: float | Decimal, allow_nan: bool) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} has no JSON number")
        return str(value)  # every digit as stored: 10.00, 0, 12.345
    if value != value or value in (float("inf"), float("-inf")):
        if not allow_nan:
            raise ValueError(f"{value} has no JSON number")
        return {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}[repr(value)]
    return float.__repr__(value)


class ExactJSONEncoder(json.JSONEncoder):
    """Writes a ``Decimal`` as the exact JSON number it holds (``to_major`` gives amounts exactly
    the currency's decimals), never through ``float``; everything else as ``json`` does.

    The standard encoder has no hook for raw number text, so this runs its pure-Python loop with
    ``Decimal`` counted among the numbers. Subclass it (or mix in a ``default``) for other types.
    """

    def iterencode(self, o, _one_shot=False):
        encode_text = (
            json.encoder.encode_basestring_ascii
            if self.ensure_ascii
            else json.encoder.encode_basestring
        )
        return json.encoder._make_iterencode(
            {} if self.check_circular else None,
            self.default,
            encode_text,
            self.indent,
            lambda number: _number_text(number, self.allow_nan),
            self.key_separator,
            self.item_separator,
            self.sort_keys,
            self.skipkeys,
            _one_shot,
            float=(float, Decimal),
        )(o, 0)


def dumps(value, **kwargs) -> str:
    """``json.dumps`` with amounts written exactly (payloads stored or sent outside the API)."""
    return json.dumps(value, cls=kwargs.pop("cls", ExactJSONEncoder), **kwargs)
