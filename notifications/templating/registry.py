"""The template registry: shipped templates (JSON beside this module) synced into the database,
and resolution of a key + optional version to one ``TemplateVersion``.

Shipped definitions are the source of truth for shipped templates: ``sync_shipped_templates``
runs after every ``migrate`` (and from ``manage.py sync_message_templates``), so a new
deployment can send without any extra command.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction

from notifications.models import MessageTemplate, TemplateVersion
from notifications.templating.errors import TemplateNotFound
from notifications.templating.schema import FieldSpec, specs

SHIPPED_DIR = Path(__file__).parent / "shipped"
Status = TemplateVersion.Status


@cache
def shipped_definitions() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(p.read_text()) for p in sorted(SHIPPED_DIR.glob("*.json")))


def sync_shipped_templates(using: str = "default") -> int:
    """Create or update every shipped template and version; return the number of versions."""
    with transaction.atomic(using=using):
        return sum(_sync_one(definition, using) for definition in shipped_definitions())


def _sync_one(definition: dict[str, Any], using: str) -> int:
    template, _ = MessageTemplate.objects.using(using).update_or_create(
        key=definition["key"],
        defaults={
            "name": definition["name"],
            "description": definition.get("description", ""),
            "category": definition["category"],
            "channel": definition["channel"],
            "shipped": True,
        },
    )
    for version in definition["versions"]:
        TemplateVersion.objects.using(using).update_or_create(
            template=template,
            version=version["version"],
            defaults={
                "status": version["status"],
                "fields": version["fields"],
                "defaults": version.get("defaults", {}),
                "example": version.get("example", {}),
                "body_template": version["body_template"],
            },
        )
    return len(definition["versions"])


def resolve(key: str, version: str | None = None, *, allow_draft: bool = False) -> TemplateVersion:
    """The named version, or the latest stable one. Drafts only for previews and tests."""
    versions = TemplateVersion.objects.select_related("template").filter(template__key=key)
    if not allow_draft:
        versions = versions.exclude(status=Status.DRAFT)
    if version:
        found = versions.filter(version=version).first()
        if found is None:
            raise TemplateNotFound(f"Template '{key}' has no version '{version}'")
        return found
    found = versions.filter(status=Status.STABLE).order_by("-number").first()
    if found is None:
        raise TemplateNotFound(f"Template '{key}' not found")
    return found


def field_specs(version: TemplateVersion) -> list[FieldSpec]:
    return specs(version.fields)
