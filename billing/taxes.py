"""Tax maths on integer minor units. Pure functions: no ORM, no I/O.

A tax is an ordered list of components. A PERCENTAGE component taxes the net amount, or, when
``compound``, the net amount plus the PERCENTAGE components before it. A FIXED component is an
amount in the invoice currency charged once per invoice; it is a fee, never part of a tax base
(which is also what keeps the inclusive formula below closed). Exclusive taxes are added on top
of the line amounts; inclusive taxes are carved out of them: ``net = round((gross - fixed) /
(1 + k))`` where ``k`` is the combined percentage factor, and the tax is ``gross - net`` so the
gross is kept to the unit.

Each component amount is rounded on its own (half away from zero); for inclusive taxes the last
percentage component absorbs the remainder. ``PER_LINE`` rounding applies the tax to every line and
sums; ``PER_INVOICE`` applies it once to the sum of the lines and allocates the result back over
the lines (largest remainder), so line figures always add up to the invoice figures.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from billing.money import allocate, round_minor

PERCENTAGE = "PERCENTAGE"
FIXED = "FIXED"
PER_LINE = "PER_LINE"
PER_INVOICE = "PER_INVOICE"


@dataclass(frozen=True)
class Component:
    name: str
    type: str  # PERCENTAGE (rate in percent) or FIXED (rate in major units, as minor below)
    rate: Decimal
    compound: bool = False
    fixed_minor: int = 0


@dataclass(frozen=True)
class TaxRule:
    components: tuple[Component, ...]
    inclusive: bool = False

    @property
    def fixed_total(self) -> int:
        return sum(c.fixed_minor for c in self.components if c.type == FIXED)

    @property
    def percentage_factor(self) -> Decimal:
        """k such that the percentage tax on a net amount n is k·n before rounding."""
        accumulated = Decimal(0)
        for c in self.components:
            if c.type != PERCENTAGE:
                continue
            r = c.rate / 100
            accumulated += r * (1 + accumulated) if c.compound else r
        return accumulated


@dataclass
class LineResult:
    amount: int  # as entered: gross when the tax is inclusive, net otherwise
    net: int
    tax: int


@dataclass
class Totals:
    subtotal: int
    tax: int
    total: int
    lines: list[LineResult]
    breakdown: list[dict] = field(default_factory=list)  # [{"name": …, "amount": minor}]


def _percentage_amounts(rule: TaxRule, net: int) -> list[int]:
    amounts: list[int] = []
    running = 0
    for c in rule.components:
        if c.type != PERCENTAGE:
            amounts.append(0)
            continue
        base = net + running if c.compound else net
        amount = round_minor(Decimal(base) * c.rate / 100)
        amounts.append(amount)
        running += amount
    return amounts


def split(amount: int, rule: TaxRule, fixed: int) -> tuple[int, list[int]]:
    """Net amount and per-component taxes of one amount that carries ``fixed`` minor units."""
    fixed_parts = allocate(fixed, [c.fixed_minor for c in rule.components])
    if not rule.inclusive:
        pct = _percentage_amounts(rule, amount)
        return amount, [p + f for p, f in zip(pct, fixed_parts, strict=True)]
    net = round_minor(Decimal(amount - fixed) / (1 + rule.percentage_factor))
    pct = _percentage_amounts(rule, net)
    pct_indexes = [i for i, c in enumerate(rule.components) if c.type == PERCENTAGE]
    if pct_indexes:
        pct[pct_indexes[-1]] += (amount - fixed - net) - sum(pct)
    return net, [p + f for p, f in zip(pct, fixed_parts, strict=True)]


def compute(amounts: list[int], rule: TaxRule | None, mode: str = PER_LINE) -> Totals:
    """Totals for line amounts (minor units) under ``rule`` with the given rounding mode."""
    if rule is None or not rule.components:
        lines = [LineResult(amount=a, net=a, tax=0) for a in amounts]
        return Totals(subtotal=sum(amounts), tax=0, total=sum(amounts), lines=lines)

    names = [c.name for c in rule.components]
    if mode == PER_INVOICE:
        _net, parts = split(sum(amounts), rule, rule.fixed_total)
        taxes = allocate(sum(parts), amounts)
        nets = [a - t for a, t in zip(amounts, taxes, strict=True)] if rule.inclusive else amounts
    else:
        fixed_per_line = allocate(rule.fixed_total, amounts)
        per_line = [split(a, rule, f) for a, f in zip(amounts, fixed_per_line, strict=True)]
        nets = [n for n, _ in per_line]
        taxes = [sum(p) for _, p in per_line]
        parts = [sum(p[i] for _, p in per_line) for i in range(len(names))]

    lines = [
        LineResult(amount=a, net=n, tax=t) for a, n, t in zip(amounts, nets, taxes, strict=True)
    ]
    subtotal, tax = sum(nets), sum(taxes)
    breakdown = [{"name": n, "amount": p} for n, p in zip(names, parts, strict=True)]
    return Totals(
        subtotal=subtotal, tax=tax, total=subtotal + tax, lines=lines, breakdown=breakdown
    )
