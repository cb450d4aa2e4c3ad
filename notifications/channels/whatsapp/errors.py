"""Meta/1MSG error codes and phrases, and which of them are worth another try (spec §7)."""

import re

# Definitely not sent, the provider asks us to come back later.
RETRYABLE = frozenset({"130429", "131056", "131000", "2", "131016", "131057", "4", "80007"})
RETRY_AFTER_SECONDS = {"131049": 24 * 3600}  # "healthy ecosystem": only after a day
ALERT = frozenset({"131048", "131042", "190"})  # spam limit, payment problem, auth: tell a human

EMBEDDED_CODE = re.compile(r"\(#(\d+)\)")

# Normalized acks carry text, not numbers: the phrases Meta uses for the codes we act on.
PHRASES = (
    ("part of an experiment", "130472"),
    ("not a valid whatsapp user", "131026"),
    ("not on whatsapp", "131026"),
    ("undeliverable", "131026"),
    ("re-engagement", "131047"),
    ("more than 24 hours", "131047"),
    ("healthy ecosystem", "131049"),
    ("spam rate limit", "131048"),
    ("pair rate limit", "131056"),
    ("payment", "131042"),
    ("rate limit", "130429"),
    ("param count", "132000"),
    ("number of parameters", "132000"),
    ("template name does not exist", "132001"),
    ("template does not exist", "132001"),
    ("service unavailable", "131016"),
    ("maintenance", "131057"),
)


def code_for(text: str) -> str:
    """The Meta code embedded in or implied by an error text; '' when we cannot tell."""
    match = EMBEDDED_CODE.search(text or "")
    if match:
        return match.group(1)
    lowered = (text or "").casefold()
    return next((code for phrase, code in PHRASES if phrase in lowered), "")


def retry_delay(code: str) -> float | None:
    """Seconds to wait before retrying, 0 for the usual backoff, None when it must not retry."""
    if code in RETRY_AFTER_SECONDS:
        return RETRY_AFTER_SECONDS[code]
    return 0 if code in RETRYABLE else None


# What each code means for a person deciding on a retry (``notifications.problems`` kinds).
KINDS = {
    "131026": "unreachable",  # not a WhatsApp user / message undeliverable
    "130472": "unreachable",  # the user's number is part of an experiment
    "131047": "refused",  # more than 24 hours since the customer last wrote
    "template_not_defined": "setup",
    "132000": "setup",
    "132001": "setup",
    "190": "setup",  # the channel's token
    "http_401": "setup",
    "http_403": "setup",
    "connect_failed": "temporary",
    "http_429": "temporary",
    "timeout": "no_answer",
    "connection_lost": "no_answer",
    "request_error": "no_answer",
    "no_id": "no_answer",
    "unexpected_answer": "no_answer",
}


def error_kind(code: str) -> str:
    if code in KINDS:
        return KINDS[code]
    if code in RETRYABLE or code in RETRY_AFTER_SECONDS:
        return "temporary"
    if code.startswith("http_5"):
        return "no_answer"
    return "refused" if code.startswith("http_4") or code == "refused" else ""
