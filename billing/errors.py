"""Billing's error hierarchy.

The API maps ``status_code`` onto its envelope; the admin shows ``messages``.
"""


class BillingError(Exception):
    status_code = 400

    def __init__(self, message: str | list[str]):
        self.messages = [message] if isinstance(message, str) else list(message)
        super().__init__("; ".join(self.messages))

    @property
    def message(self) -> str | list[str]:
        return self.messages[0] if len(self.messages) == 1 else self.messages


class InvalidInvoice(BillingError):
    """The invoice as asked for cannot exist (items, currencies, taxes…)."""


class InvalidAmount(BillingError):
    """An amount its currency cannot hold exactly, or above the maximum: a validation problem,
    so ``message`` is always the list of sentences, each naming its field."""

    @property
    def message(self) -> list[str]:
        return self.messages


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
