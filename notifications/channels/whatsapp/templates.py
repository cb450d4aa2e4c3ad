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


def default_template(tenant_id, purpose: str) -> WhatsAppTemplate | None:
    """The template every organization starts with (from ONEMSG_TEMPLATE_*; never saved)."""
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
