"""The audit trail in words: statuses as customers and clerks read them elsewhere ("Partially
paid"), and who did it as a person's name or "API key <name>", never a stored label."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Substr

from billing.documents import STATUS_WORDS
from billing.models import ApiCredential, Invoice

# Labels of the actors that are not a person or a key (``Actor(label=…)`` in the services).
ACTOR_WORDS = {
    "system": "Duebell (automatic)",
    "recurring": "Recurring schedule",
    "customer:pay-page": "The customer, on the pay page",
    "customer:whatsapp": "The customer, by WhatsApp reply",
    "demo": "Demo data",
}


def status_words(code: str) -> str:
    if not code:
        return ""
    return STATUS_WORDS.get(code) or code.replace("_", " ").capitalize()


def status_move(from_status: str, to_status: str) -> str:
    """ "Open → Paid"; one word when nothing moved (a payment, a note) or for the first row."""
    before, after = status_words(from_status), status_words(to_status)
    if not before or before == after:
        return after
    return f"{before} → {after}"


def person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def actor_words(label: str, user, *, credential_name: str = "") -> str:
    """A person's name (the event's user, else the one a ``user:``/``admin:`` label names),
    "API key <name>" for a credential (``with_actor_names`` reads the name), or the words for
    the system's own actors."""
    if user is not None:
        return person(user)
    kind, _, value = label.partition(":")
    if kind == "api" and value:
        return f"API key {credential_name or value}"
    if kind == "user" and value:
        return value
    if kind == "admin" and value.isdigit():
        found = get_user_model().objects.filter(pk=int(value)).first()
        return person(found) or f"Staff member #{value}"
    return ACTOR_WORDS.get(label, label or ACTOR_WORDS["system"])


def with_actor_names(events: QuerySet) -> QuerySet:
    """Audit rows with their user and, for an API key's row, the key's name (one query)."""
    keys = ApiCredential.objects.filter(
        organization_id=OuterRef("invoice__organization_id"),
        client_key=Substr(OuterRef("actor_label"), len("api:") + 1),
    )
    return events.select_related("actor").annotate(
        credential_name=Subquery(keys.values("name")[:1])
    )


def event_actor(event) -> str:
    """Who made an audit row (read through ``with_actor_names``), in words."""
    name = getattr(event, "credential_name", "") or ""
    return actor_words(event.actor_label, event.actor, credential_name=name)


class EventStatusFilter(admin.SimpleListFilter):
    """The audit trail by the status an event left the invoice in, named in words."""

    title, parameter_name = "status", "to_status"

    def lookups(self, request, model_admin):
        return [(code, status_words(code)) for code in Invoice.Status.values]

    def queryset(self, request, queryset):
        return queryset.filter(to_status=self.value()) if self.value() else queryset
