"""Billing's error hierarchy.

The API maps ``status_code`` onto its envelope; the admin shows ``messages``.
"""


class BillingError(Exception):
    """Raised with a sentence (``"Customer not found"``), or with a list of validation
    sentences, each naming its field; the API's ``message`` keeps that shape."""

    status_code = 400

    def __init__(self, message: str | list[str]):
        self.is_list = not isinstance(message, str)
        self.messages = list(message) if self.is_list else [message]
        super().__init__("; ".join(self.messages))

    @property
    def message(self) -> str | list[str]:
        return list(self.messages) if self.is_list else self.messages[0]


class InvalidInvoice(BillingError):
    """The invoice as asked for cannot exist (items, currencies, taxes…)."""


class InvalidAmount(BillingError):
    """An amount its currency cannot hold exactly, or above the maximum (raised with a list)."""


class NotFound(BillingError):
    status_code = 404


class IllegalTransition(BillingError):
    status_code = 409


class NotEditable(BillingError):
    status_code = 409


class PaymentRejected(BillingError):
    """Overpayment, a partial payment where none is allowed, or a non-payable invoice."""


class TaxLocked(BillingError):
    status_code = 409


class InUse(BillingError):
    """Invoices refer to the object: deactivate it instead of deleting it."""

    status_code = 409


class InvalidEmailRequest(BillingError):
    """A SendInvoice request that cannot be honoured (subject without body, unknown sender…)."""


class Duplicate(BillingError):
    """A value that must be unique in the organization is taken already."""

    status_code = 409


class DeliveryInProgress(BillingError):
    """A different message of the invoice is still on its way on that channel."""

    status_code = 409


class CreditRejected(BillingError):
    """A credit note the invoice cannot take: its status, more than is left, a bad split."""
