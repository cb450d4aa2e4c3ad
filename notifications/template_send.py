"""Sending a registry template to an address (``POST /api/v0/messages``): validate every field
first, then hand the message to the pipeline like any other send."""

from collections.abc import Mapping
from typing import Any

from notifications import pipeline
from notifications.templating.errors import TemplateNotFound
from notifications.templating.registry import resolve
from notifications.templating.render import prepare


def send_template(
    *,
    tenant_id,
    template_id: str,
    to: str,
    data: Mapping[str, Any],
    version: str | None = None,
    created_by: str = "",
) -> pipeline.SendRequested:
    """Raise ``TemplateNotFound`` / ``InvalidTemplateData`` (all problems) or queue the message."""
    found = resolve(template_id, version)
    if found.template.channel != "email":
        raise TemplateNotFound(f"Template '{template_id}' is not an e-mail template")
    prepare(found, data)
    return pipeline.request_send(
        tenant_id=tenant_id,
        subject=None,
        purpose=template_id[:40],
        channel=found.template.channel,
        recipient=to,
        context={"template": template_id, "version": found.version, "data": dict(data)},
        created_by=created_by,
    )
