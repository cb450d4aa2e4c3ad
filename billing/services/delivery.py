"""Which channels an invoice goes out on: decided here only.

Finalize sends ``automatic``, ``POST /invoices/{id}/send`` without channels sends ``default``,
and the admin offers the ``available`` channels; all three ask ``invoice_channels``.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from billing.errors import IllegalTransition
from billing.models import Customer, Invoice
from billing.models.choices import Channel
from billing.services.whatsapp import DRAFT_NOT_SENDABLE, consent_refusal

Delivery, Status = Invoice.Delivery, Invoice.Status
FIXED = {Delivery.WHATSAPP: Channel.WHATSAPP, Delivery.EMAIL: Channel.EMAIL}
# The WhatsApp template asks the customer to pay; an e-mail also suits a paid or void invoice.
SENDABLE = {
    Channel.WHATSAPP: frozenset({Status.OPEN}),
    Channel.EMAIL: frozenset({Status.OPEN, Status.PAID, Status.VOID, Status.UNCOLLECTIBLE}),
}


@dataclass(frozen=True)
class ChannelChoice:
    automatic: tuple[str, ...]  # sent when the invoice opens
    default: tuple[str, ...]  # an explicit send that names no channel
    available: tuple[str, ...]  # what a person or an integrator may send it on now


def first_usable(customer: Customer) -> str | None:
    """The customer's first preferred channel we may use (WhatsApp only with consent)."""
    for channel in customer.preferred_channels or [Channel.EMAIL]:
        if channel == Channel.EMAIL or consent_refusal(customer) is None:
            return channel
    return None


def invoice_channels(invoice: Invoice) -> ChannelChoice:
    available = tuple(c for c in (Channel.WHATSAPP, Channel.EMAIL) if invoice.status in SENDABLE[c])
    chosen = FIXED.get(invoice.delivery) or first_usable(invoice.customer)
    automatic = (chosen,) if chosen and invoice.delivery != Delivery.MANUALLY else ()
    default = next((c for c in (chosen, Channel.EMAIL) if c in available), None)
    return ChannelChoice(
        automatic=automatic if invoice.status == Status.OPEN else (),
        default=(default,) if default else (),
        available=available,
    )


def channels_to_send(invoice: Invoice, requested: Sequence[str] | None) -> list[str]:
    """The channels of an explicit send; one the invoice cannot go out on is a 409 for the
    whole request, never silently left out."""
    if invoice.status == Status.DRAFT:
        raise IllegalTransition(DRAFT_NOT_SENDABLE)
    choice = invoice_channels(invoice)
    channels = list(dict.fromkeys(requested or choice.default))
    refused = [Channel(c).label for c in channels if c not in choice.available]
    if refused:
        raise IllegalTransition(
            f"Invoice {invoice} is {invoice.get_status_display().lower()}: "
            f"it cannot be sent on {', '.join(refused)}"
        )
    return channels
