"""Rendering a template version with validated data into the parts of an e-mail."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string

from notifications.models import TemplateVersion
from notifications.templating import schema
from notifications.templating.errors import InvalidTemplateData
from notifications.templating.registry import field_specs


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    preheader: str
    html: str
    text: str

    def as_payload(self) -> dict[str, str]:
        return {
            "subject": self.subject,
            "preheader": self.preheader,
            "html": self.html,
            "text": self.text,
        }


def prepare(version: TemplateVersion, data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate ``data`` against the version's schema and fill in defaults, or raise."""
    fields = field_specs(version)
    problems = schema.validate(fields, data)
    if problems:
        raise InvalidTemplateData(problems)
    return schema.resolve(fields, version.defaults, data)


def render_email(version: TemplateVersion, resolved: Mapping[str, Any]) -> RenderedEmail:
    """HTML and plain-text alternatives from ``<body_template>.html`` / ``.txt``.

    ``resolved`` is the output of ``prepare``; Django's autoescaping escapes every value in the
    HTML part, and the text part is plain text by construction. Tracking is added per message
    at send time (``notifications.email_tracking``), so this is also the admin's preview.
    """
    context = dict(resolved)
    subject = " ".join(str(resolved.get("subject", "")).split())
    return RenderedEmail(
        subject=subject,
        preheader=str(resolved.get("preheader", "")),
        html=_plain(render_to_string(f"{version.body_template}.html", context)),
        text=_plain(render_to_string(f"{version.body_template}.txt", context)),
    )


def _plain(rendered: str) -> str:
    """A plain ``str``: whoever shows a rendered e-mail inside a page must escape it (the
    text part is unescaped user data, the HTML part goes into an attribute)."""
    return "".join([rendered])
