"""Queue entry points of collections: each takes an id (or nothing) and calls one service."""

from notifications.queue import enqueue


def enqueue_replan(organization_id) -> None:
    enqueue("billing.collections.tasks.replan_organization", str(organization_id))


def replan_organization(organization_id: str) -> int:
    from billing.collections.replan import organization_replan

    return organization_replan(organization_id=organization_id)


def send_due_reminders() -> dict:
    from billing.collections.sending import send_due

    return send_due()
