"""Choosing the approved template version for a send, and filling it in (validated first)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from notifications.channels.base import SendRefused
from notifications.models.whatsapp import PLACEHOLDER, WhatsAppTemplate

INVOICE_ISSUED = "invoice_issued"
DEFAULT_BODY = "Hello, {{1}}! Invoice #{{2}} has been issued for {{3}}. Payment due: {{4}}."
DEFAULT_VARIABLES = ["customer_name", "invoice_number", "amount_due", "due_date"]


REMINDER = "reminder"
REMINDER_NAME = "invoice_reminder"
REMINDER_BODY = (
    "Hello, {{1}}! A reminder about invoice #{{2}}: {{3}} is due, payment date {{4}}. {{5}} "
    "Pay here: {{6}}"
)
REMINDER_VARIABLES = [
    "customer_name",
    "invoice_number",
    "amount_due",
    "due_date",
    "due_note",
    "pay_url",
]
# The reminder's three quick-reply buttons: the action each payload carries, the text shown.
REMINDER_REPLIES = [
    {"action": "paid", "text": "Paid already"},
    {"action": "more_time", "text": "Need more time"},
    {"action": "dispute", "text": "Dispute"},
]


def default_template(tenant_id, purpose: str) -> WhatsAppTemplate | None:
    """The templates every organization starts with (from ONEMSG_TEMPLATE_*; never saved)."""
    if purpose == REMINDER:
        return WhatsAppTemplate(
            tenant_id=tenant_id,
            purpose=purpose,
            version=0,
            status=WhatsAppTemplate.Status.APPROVED,
            name=REMINDER_NAME,
            namespace=settings.ONEMSG_TEMPLATE_NAMESPACE,
            language=settings.ONEMSG_TEMPLATE_LANGUAGE,
            body=REMINDER_BODY,
            variables=list(REMINDER_VARIABLES),
            quick_replies=[dict(reply) for reply in REMINDER_REPLIES],
        )
    if purpose != INVOICE_ISSUED:
        return None
    return WhatsAppTemplate(
        tenant_id=tenant_id,
        purpose=purpose,
        version=0,
        status=WhatsAppTemplate.Status.APPROVED,
        name=settings.ONEMSG_TEMPLATE_NAME,
        namespace=settings.ONEMSG_TEMPLATE_NAMESPACE,
        language=settings.ONEMSG_TEMPLATE_LANGUAGE,
        body=DEFAULT_BODY,
        variables=list(DEFAULT_VARIABLES),
        button_label="Pay invoice",
        button_url=f"{settings.SITE_URL}/pay/",
    )


def approved_template(tenant_id, purpose: str, locale: str = "") -> WhatsAppTemplate:
    """The newest approved version, in the customer's language when there is one."""
    versions = list(
        WhatsAppTemplate.objects.filter(
            tenant_id=tenant_id, purpose=purpose, status=WhatsAppTemplate.Status.APPROVED
        ).order_by("-version")
    )
    language = (locale or "").replace("-", "_").split("_")[0].lower()
    chosen = next((t for t in versions if t.language.lower().startswith(language)), None)
    chosen = chosen or (versions[0] if versions else default_template(tenant_id, purpose))
    if chosen is None:
        raise SendRefused("no_template", f"No approved WhatsApp template for {purpose!r}.")
    return chosen


@dataclass(frozen=True)
class Rendered:
    template: WhatsAppTemplate
    params: list[str]
    text: str
    button_label: str


def _param(value: Any) -> str:
    # WhatsApp refuses newlines and tabs inside a parameter.
    return " ".join(str(value if value is not None else "").split())


def render(template: WhatsAppTemplate, context: Mapping[str, Any]) -> Rendered:
    """Fill the body; refuse a mismatch between body and mapping, or an empty variable."""
    count = template.placeholder_count()
    if count != len(template.variables):
        raise SendRefused(
            "template_mismatch",
            f"Template {template.name} has {count} placeholders but {len(template.variables)} "
            "mapped fields.",
        )
    params = [_param(context.get(name)) for name in template.variables]
    for position, (name, value) in enumerate(zip(template.variables, params, strict=True), 1):
        if not value:
            raise SendRefused("empty_variable", f"Variable {{{{{position}}}}} ({name}) is empty.")
    text = PLACEHOLDER.sub(lambda m: params[int(m.group(1)) - 1], template.body)
    return Rendered(template, params, text, template.button_label)


PAYLOAD_PREFIX = "db1"


def reply_payload(action: str, message_id) -> str:
    """What a quick-reply button sends back: the action and the id of our message."""
    return f"{PAYLOAD_PREFIX}:{action}:{message_id}"


def parse_payload(payload: str) -> tuple[str, str]:
    """(action, our message id) from a button payload of ours; ("", "") for anything else."""
    parts = payload.split(":") if isinstance(payload, str) else []
    if len(parts) != 3 or parts[0] != PAYLOAD_PREFIX:
        return "", ""
    known = {reply["action"] for reply in REMINDER_REPLIES}
    return (parts[1], parts[2]) if parts[1] in known and len(parts[2]) <= 64 else ("", "")


def action_for_text(text: str) -> str:
    """The action of a button by its text (a tap that came without its payload)."""
    by_text = {reply["text"].casefold(): reply["action"] for reply in REMINDER_REPLIES}
    return by_text.get(text.strip().casefold(), "")


def button_params(quick_replies: list[dict], message_id) -> list[dict[str, Any]]:
    """Meta's quick-reply parameter entries, one per button, after the body entry."""
    return [
        {
            "type": "button",
            "sub_type": "quick_reply",
            "index": str(index),
            "parameters": [
                {"type": "payload", "payload": reply_payload(reply["action"], message_id)}
            ],
        }
        for index, reply in enumerate(quick_replies)
    ]
