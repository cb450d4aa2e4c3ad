"""Collections' errors, in billing's hierarchy (the API renders them in the envelope)."""

from billing.errors import BillingError


class InvalidPolicy(BillingError):
    """A reminder policy that cannot be used; raised with one sentence per field."""


class IllegalReminderMove(BillingError):
    """A reminder asked to move where its state machine does not go."""

    status_code = 409
