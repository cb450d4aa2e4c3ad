"""What went wrong with a message, in a clerk's words, and whether trying again can help.

Every error code a channel or the pipeline writes falls into one *kind*. ``Message.error_kind``
holds the kind of the message's current problem: the status door sets it with the error and
clears it once the message makes progress again, so a message that ended ``read`` keeps its
earlier error text as history only. Backends name their own provider codes
(``ChannelBackend.error_kind``); the codes below are the pipeline's and the recipient policy's.
"""

from dataclasses import dataclass

from django.conf import settings

from notifications import status as st


@dataclass(frozen=True)
class Kind:
    label: str  # the list filter's words
    sentence: str  # what it means for this message
    retry_fails: bool  # the same message on the same channel will fail again


UNREACHABLE = "unreachable"
OPTED_OUT = "opted_out"
NO_CONSENT = "no_consent"
NO_ANSWER = "no_answer"
TEMPORARY = "temporary"
SETUP = "setup"
EXPIRED = "expired"
REFUSED = "refused"

KINDS = {
    UNREACHABLE: Kind(
        "Number or address cannot receive it",
        "The recipient cannot be reached on this channel: a retry will fail the same way.",
        True,
    ),
    OPTED_OUT: Kind(
        "Customer opted out",
        "The customer asked not to be messaged on this channel: a retry will be refused.",
        True,
    ),
    NO_CONSENT: Kind(
        "No consent",
        "The customer has not agreed to messages on this channel: a retry will be refused.",
        True,
    ),
    NO_ANSWER: Kind(
        "No answer from the provider",
        "Nobody knows whether it went out: resending may deliver it twice.",
        False,
    ),
    TEMPORARY: Kind(
        "Temporary problem",
        "The provider was busy or unreachable: a retry may go through.",
        False,
    ),
    SETUP: Kind(
        "Template or set-up problem",
        "Our message template or channel set-up was refused: fix it, then retry.",
        False,
    ),
    EXPIRED: Kind(
        "Never delivered",
        "The provider gave up delivering it: a retry may reach the customer.",
        False,
    ),
    REFUSED: Kind(
        "Refused by the provider", "The provider refused the message: a retry may fail.", False
    ),
}
CHOICES = [(name, kind.label) for name, kind in KINDS.items()]

# Codes the pipeline and the recipient policy write, whatever the channel.
GENERIC = {
    "no_phone": UNREACHABLE,
    "invalid_phone": UNREACHABLE,
    "invalid_email": UNREACHABLE,
    "no_recipient": UNREACHABLE,
    "opted_out": OPTED_OUT,
    "no_consent": NO_CONSENT,
    "lease_expired": NO_ANSWER,
    "retries_exhausted": TEMPORARY,
    "ttl_expired": EXPIRED,
    "no_template": SETUP,
    "empty_variable": SETUP,
    "template_not_found": SETUP,
    "missing_required_variable": SETUP,
    "field_too_long": SETUP,
    "invalid_url": SETUP,
    "invalid_type": SETUP,
    "unknown_field": SETUP,
}

# A message in these statuses has a current problem; any other status is progress.
PROBLEM_STATUSES = (st.BOUNCED, st.FAILED, st.REJECTED, st.UNDELIVERED, st.UNKNOWN)


def kind_of(code: str, status: str = "") -> str:
    """The kind of an error code: the channels' own first, then the pipeline's, else refused."""
    if not code:
        return ""
    from notifications.channels import backend_class

    for channel in settings.NOTIFICATIONS_CHANNELS:
        kind = backend_class(channel).error_kind(code)
        if kind:
            return kind
    if code in GENERIC:
        return GENERIC[code]
    return NO_ANSWER if status == st.UNKNOWN else REFUSED


def describe(kind: str) -> Kind | None:
    return KINDS.get(kind)


def retry_fails(kind: str) -> bool:
    found = KINDS.get(kind)
    return found is not None and found.retry_fails
