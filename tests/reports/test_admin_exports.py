"""Admin exports: the rows the changelist shows under its filters and search, as files."""

import csv
import io

import pytest

from billing.reports.tables import LEDGER_HEADERS, PAYMENT_HEADERS, XERO_HEADERS
from billing.services.actors import Actor
from billing.services.payments import payment_record
from notifications.models import Message
from tests.billing.admin_support import make_member
from tests.factories import CustomerFactory, OrganizationFactory, make_invoice

pytestmark = pytest.mark.django_db


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def two_orgs():
    acme, other = OrganizationFactory(slug="acme"), OrganizationFactory(slug="other")
    jane = CustomerFactory(organization=acme, name="Jane Searched")
    for _ in range(3):
        make_invoice(acme, status="OPEN", customer=jane, delivery="MANUALLY")
        make_invoice(acme, status="OPEN", delivery="MANUALLY")
        make_invoice(other, status="OPEN", delivery="MANUALLY")
    return acme, other


def test_the_export_has_the_changelists_rows_under_its_filter_and_search(admin_client, two_orgs):
    acme, _ = two_orgs
    query = f"?organization__id__exact={acme.pk}&q=Searched&o=-3"
    changelist = admin_client.get(f"/admin/billing/invoice/{query}")
    shown = [invoice.number for invoice in changelist.context["cl"].result_list]
    assert len(shown) == 3

    rows = csv_rows(admin_client.get(f"/admin/exports/invoices.csv{query}"))

    assert [row[0] for row in rows[1:]] == shown
    assert {row[2] for row in rows[1:]} == {"Jane Searched"}


def test_the_changelist_links_its_exports_with_its_query_string(admin_client, two_orgs):
    acme, _ = two_orgs
    page = admin_client.get(f"/admin/billing/invoice/?organization__id__exact={acme.pk}")
    html = page.content.decode()
    for table in ("invoices", "invoice-lines"):
        for file_format in ("csv", "xlsx"):
            href = f"/admin/exports/{table}.{file_format}?organization__id__exact={acme.pk}"
            assert f'href="{href}"' in html


def test_payments_and_the_delivery_ledger(admin_client, two_orgs):
    acme, other = two_orgs
    invoice = acme.invoices.filter(status="OPEN").order_by("sequence").first()
    payment_record(invoice=invoice, amount=invoice.total, method="CASH", actor=Actor(label="t"))
    Message.objects.create(
        tenant_id=other.pk, purpose="test", channel="email", recipient="=cmd@example.com"
    )

    payments = csv_rows(admin_client.get("/admin/exports/payments.csv"))
    ledger = csv_rows(admin_client.get("/admin/exports/delivery-ledger.csv?channel__exact=email"))

    assert payments[0] == list(PAYMENT_HEADERS)
    assert payments[1][:5] == [invoice.number, invoice.customer.name, "USD", "100.00", "Cash"]
    assert ledger[0] == list(LEDGER_HEADERS)
    assert [row[1:5] for row in ledger[1:]] == [["email", "test", "'=cmd@example.com", "queued"]]


def test_a_filter_the_changelist_does_not_know_is_a_400(admin_client):
    response = admin_client.get("/admin/exports/invoices.csv?secret__startswith=x")
    assert response.status_code == 400


def test_an_unknown_table_or_format_is_a_404(admin_client):
    assert admin_client.get("/admin/exports/customers.csv").status_code == 404
    assert admin_client.get("/admin/exports/invoices.pdf").status_code == 404


def test_only_staff_may_export(client, django_user_model, two_orgs):
    user = django_user_model.objects.create_user("clerk", password="pw-clerk-123")
    client.force_login(user)
    response = client.get("/admin/exports/invoices.csv")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_of_no_organization_is_sent_to_the_login(client, django_user_model, two_orgs):
    user = django_user_model.objects.create_user("intern", password="pw-intern-1", is_staff=True)
    client.force_login(user)
    response = client.get("/admin/exports/invoices.csv")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_member_exports_only_their_organizations_rows(client, django_user_model, two_orgs):
    acme, other = two_orgs
    client.force_login(make_member(django_user_model, acme, username="viewer", role="viewer"))

    invoices = csv_rows(client.get("/admin/exports/invoices.csv"))
    lines = csv_rows(
        client.get(f"/admin/exports/invoice-lines.csv?organization__id__exact={other.pk}")
    )

    assert sorted(row[0] for row in invoices[1:]) == sorted(
        acme.invoices.values_list("number", flat=True)
    )
    assert len(invoices) == 7
    assert lines == [list(XERO_HEADERS)]  # the other organization's filter finds nothing
