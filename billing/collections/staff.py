"""Collections as staff do it from the admin: the same services the API calls, with the acting
user's role checked and the move written on the invoice timeline."""

from datetime import date

from django.db import transaction

from billing.collections import pauses
from billing.collections.models import ReminderPolicy
from billing.collections.policy import policy_as_json, policy_for, reminder_policy_replace
from billing.models import Customer, Invoice, Organization
from billing.services.actors import Actor
from billing.services.invoices import audit_event
from billing.services.roles import role_authorize


def _until(until: date | None) -> str:
    return f"until {until:%d %b %Y}" if until else "until resumed"


@transaction.atomic
def invoice_pause(*, invoice: Invoice, until: date | None, actor: Actor) -> Invoice:
    role_authorize(actor=actor, organization_id=invoice.organization_id, action="pause_reminders")
    invoice = pauses.invoice_reminders_pause(invoice=invoice, until=until, actor_label=actor.label)
    note = f"Reminders paused {_until(until)}"
    audit_event(invoice, invoice.status, invoice.status, actor=actor, note=note)
    return invoice


@transaction.atomic
def invoice_resume(*, invoice: Invoice, actor: Actor) -> Invoice:
    role_authorize(actor=actor, organization_id=invoice.organization_id, action="pause_reminders")
    invoice = pauses.invoice_reminders_resume(invoice=invoice, actor_label=actor.label)
    audit_event(invoice, invoice.status, invoice.status, actor=actor, note="Reminders resumed")
    return invoice


def customer_pause(*, customer: Customer, until: date | None, actor: Actor) -> Customer:
    """Every open invoice of the customer (each row's move is on its invoice's timeline)."""
    role_authorize(actor=actor, organization_id=customer.organization_id, action="pause_reminders")
    return pauses.customer_reminders_pause(customer=customer, until=until, actor_label=actor.label)


def customer_resume(*, customer: Customer, actor: Actor) -> Customer:
    role_authorize(actor=actor, organization_id=customer.organization_id, action="pause_reminders")
    return pauses.customer_reminders_resume(customer=customer, actor_label=actor.label)


def policy_replace(*, organization: Organization, data: dict, actor: Actor) -> ReminderPolicy:
    """The API's ``PUT /reminder-policy``, for an organization admin."""
    role_authorize(actor=actor, organization_id=organization.pk, action="reminder_policy")
    return reminder_policy_replace(organization=organization, data=data)


def organization_set_enabled(
    *, organization: Organization, enabled: bool, actor: Actor
) -> ReminderPolicy:
    """Pausing the whole organization is the policy's ``enabled`` (the rest stays as it is)."""
    data = policy_as_json(policy_for(organization)) | {"enabled": enabled}
    return policy_replace(organization=organization, data=data, actor=actor)
