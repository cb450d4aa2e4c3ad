"""What a draft's contents must satisfy, written once.

The invoice service, the preview and the admin form all ask these functions, so a rule and
its sentence cannot drift apart; each returns the problem's sentence, or None when there is
none. The API serializer takes ``MAX_ITEMS`` for its schema.
"""

from datetime import date

MAX_ITEMS = 100


def item_count_problem(count: int) -> str | None:
    if count > MAX_ITEMS:
        return f"items must contain no more than {MAX_ITEMS} elements"
    return None


def currency_problem(product, currency: str) -> str | None:
    if product.currency != currency:
        return (
            f"Product '{product.name}' is priced in {product.currency}, "
            f"not in the invoice currency {currency}"
        )
    return None


def product_problem(product, *, organization_id, currency: str) -> str | None:
    """Another organization's product is as unknown as a missing one."""
    if product.organization_id != organization_id:
        return f"Product with ID '{product.pk}' not found"
    return currency_problem(product, currency)


def reference_problem(ref, organization_id) -> str | None:
    """A customer, wallet or tax of the invoice must be the invoice organization's."""
    if ref is not None and ref.organization_id != organization_id:
        return f"{type(ref).__name__} belongs to another organization"
    return None


def dates_problem(send_date: date | None, due_date: date | None) -> str | None:
    if send_date is not None and due_date is not None and send_date > due_date:
        return "Send date cannot be after due date"
    return None
