"""``manage.py load_volume`` and changelists whose cost does not grow with the table."""

import io
import json
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.admin.scoping import SESSION_KEY
from billing.models import Invoice, InvoiceDelivery, Organization, Payment
from billing.reports import figures, funnel_days
from config import admin_paging
from notifications import status as st
from notifications.models import Message

pytestmark = pytest.mark.django_db


def load(slug: str, invoices: int, messages: int) -> dict:
    out = io.StringIO()
    call_command(
        "load_volume", "--org", slug, "--invoices", invoices, "--messages", messages, stdout=out
    )
    return json.loads(out.getvalue())


def test_load_volume_writes_numbered_invoices_their_payments_and_messages():
    assert load("vol", 300, 1000) == {"organization": "vol", "invoices": 300, "messages": 1000}
    org = Organization.objects.get(slug="vol")
    invoices = Invoice.objects.filter(organization=org)
    assert sorted(invoices.values_list("sequence", flat=True)) == list(range(1, 301))
    paid = invoices.filter(status=Invoice.Status.PAID)
    assert Payment.objects.filter(invoice__organization=org).count() == paid.count()
    assert sum(p.amount for p in Payment.objects.filter(invoice__organization=org)) == sum(
        paid.values_list("total", flat=True)
    )
    assert Message.objects.filter(tenant_id=org.pk).count() == 1000
    assert InvoiceDelivery.objects.filter(invoice__organization=org).count() == 600


def test_loaded_rows_read_back_as_the_services_would_have_written_them():
    load("vol", 50, 400)
    org = Organization.objects.get(slug="vol")
    messages = Message.objects.filter(tenant_id=org.pk)
    invoice_ids = {
        str(pk) for pk in Invoice.objects.filter(organization=org).values_list("pk", flat=True)
    }

    assert figures.stored_balances(org) == figures.computed_balances(org)
    assert figures.stored_days(org) == figures.computed_days(org)
    funnel = funnel_days.stored(org)
    assert funnel == funnel_days.computed(org)
    assert sum(counts[0] for counts in funnel.values()) == 100  # 50 invoices on both channels
    assert {m.subject_id for m in messages} == invoice_ids
    for message in messages.prefetch_related("events"):
        events = list(message.events.all())
        assert events[-1].status == message.status, message
        assert message.rank == st.RANK[message.status]
        assert message.created_at <= events[-1].received_at == message.updated_at <= timezone.now()
    last = {
        (str(d.invoice_id), d.channel): (d.status, d.message_id)
        for d in InvoiceDelivery.objects.filter(invoice__organization=org)
    }
    newest = {}
    for m in messages.order_by("created_at"):
        newest[(m.subject_id, m.channel)] = (m.status, m.pk)
    assert last == newest


def test_a_second_load_continues_the_numbers():
    load("vol", 10, 0)
    load("vol", 5, 0)
    sequences = Invoice.objects.filter(organization__slug="vol").values_list("sequence", flat=True)
    assert sorted(sequences) == list(range(1, 16))


def changelist_queries(client, org, path: str) -> list[str]:
    session = client.session
    session[SESSION_KEY] = str(org.pk)
    session.save()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.parametrize(
    ("path", "column"),
    [
        ("/admin/billing/invoice/", '"billing_invoice"."organization_id"'),
        ("/admin/notifications/message/", '"notifications_message"."tenant_id"'),
    ],
)
def test_changelists_run_the_same_queries_at_both_sizes_and_never_count_everything(
    admin_client, monkeypatch, path, column
):
    monkeypatch.setattr(admin_paging, "COUNT_LIMIT", 150)
    load("small", 40, 100)
    load("large", 400, 1000)

    small = changelist_queries(admin_client, Organization.objects.get(slug="small"), path)
    large = changelist_queries(admin_client, Organization.objects.get(slug="large"), path)

    assert len(small) == len(large)
    counts = [sql for sql in large if re.search(r"COUNT\(", sql, re.IGNORECASE)]
    assert len(counts) == 1  # the page count only: no full-table count
    assert re.search(r"LIMIT 151", counts[0])
    # the organization's column only, unordered: the count reads an index, not the rows
    selected = re.search(r"\(SELECT (.*?) FROM ", counts[0]).group(1)
    assert selected == f"{column} AS {column.split('.')[1]}"
    assert "ORDER BY" not in counts[0]


def test_the_page_count_stops_at_the_limit(admin_client, monkeypatch):
    monkeypatch.setattr(admin_paging, "COUNT_LIMIT", 150)
    load("large", 400, 0)
    org = Organization.objects.get(slug="large")
    session = admin_client.session
    session[SESSION_KEY] = str(org.pk)
    session.save()
    response = admin_client.get("/admin/billing/invoice/")
    assert response.context["cl"].result_count == 150
    assert response.context["cl"].paginator.num_pages == 2  # 100 a page
