"""Invoices sent on each channel, each stopping at a different stage of the funnel.

Issued 1 to 16 June in Tokyo: e-mail 3 (all accepted, 2 delivered, 1 read, its pay page opened and
paid), WhatsApp 1 (refused before any call: the customer has no phone), which the fallback e-mail
follows up (accepted), so e-mail counts 4 issued and accepted. One e-mailed invoice was
issued on 31 May in Tokyo (14:00 UTC) and is outside the period.
"""

from datetime import UTC, date, datetime

from billing.models import Invoice
from billing.reports import figures
from billing.services.payments import payment_record
from notifications import status as st
from notifications.models import Message
from tests.factories import OrganizationFactory, make_invoice
from tests.reports.fixture import ACTOR

START, END = date(2026, 6, 1), date(2026, 6, 16)
IN_PERIOD = datetime(2026, 6, 2, 9, 0, tzinfo=UTC)
BEFORE = datetime(2026, 5, 31, 14, 0, tzinfo=UTC)


def _sent(org, capture, *, delivery="EMAIL", finalized=IN_PERIOD, statuses=()):
    with capture(execute=True):  # the send task, queued on commit
        invoice = make_invoice(org, status="OPEN", delivery=delivery, partial_payment=True)
    Invoice.objects.filter(pk=invoice.pk).update(finalized_at=finalized)
    figures.rebuild(organization=org)  # the issue date moved past the services
    message = Message.objects.get(subject_id=str(invoice.pk), fallback_of=None)
    with capture(execute=True):  # billing's delivery summary, kept on commit
        for status in statuses:
            assert st.transition(message.pk, status, source="webhook")
    invoice.refresh_from_db()
    return invoice


def build(client, capture):
    """``capture`` is pytest-django's ``django_capture_on_commit_callbacks``."""
    org = OrganizationFactory(name="Funnel Ltd", slug="funnel", time_zone="Asia/Tokyo")
    paid = _sent(org, capture, statuses=[st.DELIVERED, st.OPENED])
    _sent(org, capture, statuses=[st.DELIVERED])
    _sent(org, capture)
    _sent(org, capture, delivery="WHATSAPP")
    _sent(org, capture, finalized=BEFORE, statuses=[st.DELIVERED])
    assert client.get(f"/pay/{paid.payment_token}/").status_code == 200
    payment_record(invoice=paid, amount=paid.total, method="CASH", actor=ACTOR)
    return org
