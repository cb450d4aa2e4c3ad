"""Shared set-up of the bulk job tests: drafts, staff of a role, and a job asked for without
running it (queued on the real broker; the tests run its task themselves)."""

from django.contrib.auth import get_user_model
from django_q.conf import Conf

from billing.bulk.services import bulk_job_create
from billing.models import Invoice
from billing.services.actors import Actor
from billing.services.roles import staff_user_set
from tests.factories import CustomerFactory, make_invoice


def staff(org, username: str, role: str):
    staff_user_set(username=username, password="pw-bulk-123", organization=org, role=role)
    return get_user_model().objects.get(username=username)


def drafts(org, count: int, **fields) -> list[Invoice]:
    customer = fields.pop("customer", None) or CustomerFactory(
        organization=org, email="billing@example.com"
    )
    return [
        make_invoice(org, customer=customer, delivery="MANUALLY", **fields) for _ in range(count)
    ]


def queued_job(monkeypatch, *, org, user, kind="finalize", invoices=None, channel=""):
    """The job as the admin asks for it, its task left on the broker (not run)."""
    monkeypatch.setattr(Conf, "SYNC", False)
    invoices = invoices if invoices is not None else Invoice.objects.filter(organization=org)
    job = bulk_job_create(
        organization=org,
        kind=kind,
        channel=channel,
        invoices=invoices,
        selection={"filter": "status=DRAFT"},
        actor=Actor.for_user(user),
    )
    monkeypatch.setattr(Conf, "SYNC", True)
    return job
