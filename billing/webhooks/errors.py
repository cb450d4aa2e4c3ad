"""The webhook room's errors: client mistakes are billing errors (the API's envelope), what
happens on the wire is a ``DeliveryError`` (every one of them is retried)."""

from billing.errors import BillingError, NotFound


class InvalidEndpoint(BillingError):
    """A URL or event filter that cannot be registered; raised with a list of sentences, each
    naming its field (``url …``, ``events …``)."""


class EndpointNotFound(NotFound):
    pass


class DeliveryError(Exception):
    """The attempt got no HTTP answer (refused, reset, timed out, unsafe address)."""
