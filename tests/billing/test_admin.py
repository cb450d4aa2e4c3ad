import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.demo import load_demo
from billing.models import ApiCredential, Invoice, Tax
from billing.models.organizations import hash_secret
from tests.billing.admin_support import work_in
from tests.factories import (
    CustomerFactory,
    OrganizationFactory,
    ProductFactory,
    TaxFactory,
    WalletFactory,
    make_invoice,
)

pytestmark = pytest.mark.django_db


def registered_models():
    return sorted(admin.site._registry, key=lambda m: m._meta.label)


@pytest.fixture
def demo(db):
    org, _ = load_demo()
    return org


@pytest.mark.parametrize("model", registered_models(), ids=lambda m: m._meta.label)
def test_every_admin_page_renders(admin_client, demo, model):
    opts = model._meta
    base = f"admin:{opts.app_label}_{opts.model_name}"
    assert admin_client.get(reverse(f"{base}_changelist")).status_code == 200
    add = admin_client.get(reverse(f"{base}_add"))
    if model is Invoice:  # created in the organization one works in: choose it first
        assert add["Location"] == "/admin/workspace/?next=%2Fadmin%2Fbilling%2Finvoice%2Fadd%2F"
        work_in(admin_client, demo)
        add = admin_client.get(reverse(f"{base}_add"))
    assert add.status_code == (
        200 if admin.site._registry[model].has_add_permission(add.wsgi_request) else 403
    )
    obj = model._default_manager.first()
    if obj is not None:
        assert admin_client.get(reverse(f"{base}_change", args=[obj.pk])).status_code == 200


def test_changelist_search_and_filters_render(admin_client, demo):
    url = reverse("admin:billing_invoice_changelist")
    for query in (
        "q=Jane",
        "status=PASTDUE",
        "status=PARTIALLYPAID",
        "status=PAID",
        "currency=EUR",
    ):
        assert admin_client.get(f"{url}?{query}").status_code == 200
    past_due = admin_client.get(f"{url}?status=PASTDUE")
    assert [str(i) for i in past_due.context["cl"].result_list] == ["INV-000004"]
    partly = admin_client.get(f"{url}?status=PARTIALLYPAID")
    assert [str(i) for i in partly.context["cl"].result_list] == ["INV-000003"]


def test_invoice_changelist_runs_a_constant_number_of_queries(admin_client):
    org = OrganizationFactory()
    url = reverse("admin:billing_invoice_changelist")

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        make_invoice(org, status="OPEN")
    few = count_queries()
    for _ in range(22):
        make_invoice(org, status="OPEN", partial_payment=True)
    many = count_queries()
    assert few == many
    assert Invoice.objects.count() == 25


def invoice_form_data(org, customer, product, **overrides):
    data = {
        "organization": org.pk,
        "customer": customer.pk,
        "name": "Consulting",
        "email": "",
        "currency": "",
        "due_date": "2099-01-31",
        "payment_methods": ["BANK_TRANSFER"],
        "delivery": "MANUALLY",
        "payment_link": "on",
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-0-product": product.pk,
        "items-0-quantity": "2",
        "items-1-product": product.pk,
        "items-1-quantity": "1.5",
        "payments-TOTAL_FORMS": "0",
        "payments-INITIAL_FORMS": "0",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_add_invoice_with_items_prices_it_and_audits(admin_client):
    org = OrganizationFactory()
    customer = CustomerFactory(organization=org, email="c@example.com")
    product = ProductFactory(organization=org, unit_price=1000)
    work_in(admin_client, org)
    response = admin_client.post(
        reverse("admin:billing_invoice_add"), invoice_form_data(org, customer, product)
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    invoice = Invoice.objects.get()
    assert (invoice.status, invoice.total, invoice.email, invoice.currency) == (
        "DRAFT",
        3500,
        "c@example.com",
        "USD",
    )
    assert list(invoice.events.values_list("to_status", "actor_label")) == [("DRAFT", "user:boss")]


def test_add_invoice_refuses_product_of_another_currency(admin_client):
    org = OrganizationFactory()
    customer = CustomerFactory(organization=org)
    product = ProductFactory(organization=org, currency="EUR")
    work_in(admin_client, org)
    response = admin_client.post(
        reverse("admin:billing_invoice_add"),
        invoice_form_data(org, customer, product, email="x@example.com"),
    )
    assert response.status_code == 200
    expected = f"Product &#x27;{product.name}&#x27; is priced in EUR, not in the invoice currency"
    assert expected in response.content.decode()
    assert Invoice.objects.count() == 0


def test_the_admin_refuses_what_the_service_refuses_with_the_same_sentences(admin_client):
    org = OrganizationFactory()
    customer = CustomerFactory(organization=org)
    product = ProductFactory(organization=org)
    items = {"items-TOTAL_FORMS": "101"}
    for index in range(101):
        items |= {f"items-{index}-product": product.pk, f"items-{index}-quantity": "1"}
    foreign_customer = CustomerFactory()
    work_in(admin_client, org)
    data = invoice_form_data(org, customer, product, email="x@example.com", **items)
    too_many = admin_client.post(reverse("admin:billing_invoice_add"), data)
    assert "items must contain no more than 100 elements" in too_many.content.decode()
    data |= {"customer": foreign_customer.pk}
    foreign = admin_client.post(reverse("admin:billing_invoice_add"), data)
    assert "Select a valid choice" in foreign.content.decode()  # not even offered
    data |= {"customer": customer.pk, "send_date": "2099-02-01"}
    late = admin_client.post(reverse("admin:billing_invoice_add"), data)
    assert "Send date cannot be after due date" in late.content.decode()
    assert Invoice.objects.count() == 0


def test_lifecycle_buttons_confirm_then_act(admin_client):
    invoice = make_invoice(lines=[(1000, 1)])
    change = reverse("admin:billing_invoice_change", args=[invoice.pk])
    page = admin_client.get(change).content.decode()
    assert "lifecycle/finalize/" in page and "lifecycle/void/" not in page
    url = reverse("admin:billing_invoice_lifecycle", args=[invoice.pk, "finalize"])
    assert "Yes, finalize" in admin_client.get(url).content.decode()
    assert admin_client.post(url).status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number) == ("OPEN", "INV-000001")
    void_url = reverse("admin:billing_invoice_lifecycle", args=[invoice.pk, "void"])
    assert "deletelink" in admin_client.get(void_url).content.decode()  # destructive: confirm
    admin_client.post(void_url)
    invoice.refresh_from_db()
    assert invoice.status == "VOID"


def test_refused_lifecycle_move_shows_the_reason_and_changes_nothing(admin_client):
    invoice = make_invoice(lines=[(1000, 1)])
    url = reverse("admin:billing_invoice_lifecycle", args=[invoice.pk, "void"])
    response = admin_client.post(url, follow=True)
    assert "is draft and cannot become void" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == "DRAFT"


def test_record_payment_form(admin_client):
    invoice = make_invoice(lines=[(10000, 1)], status="OPEN", partial_payment=True)
    url = reverse("admin:billing_invoice_payment", args=[invoice.pk])
    refused = admin_client.post(url, {"amount": "100.01", "method": "CASH"})
    assert "exceeds the amount due of 100.00 USD" in refused.content.decode()
    admin_client.post(url, {"amount": "40", "method": "CASH", "reference": "R1"})
    invoice.refresh_from_db()
    assert (invoice.amount_paid, invoice.display_status) == (4000, "PARTIALLYPAID")


def test_bulk_void_asks_for_confirmation_first(admin_client):
    invoices = [make_invoice(status="OPEN") for _ in range(2)]
    url = reverse("admin:billing_invoice_changelist")
    data = {"action": "void_selected", "_selected_action": [i.pk for i in invoices]}
    confirm = admin_client.post(url, data)
    assert "Yes, void" in confirm.content.decode()
    assert set(Invoice.objects.values_list("status", flat=True)) == {"OPEN"}
    admin_client.post(url, {**data, "post": "yes"})
    assert set(Invoice.objects.values_list("status", flat=True)) == {"VOID"}


def test_only_drafts_can_be_deleted(admin_client):
    open_invoice = make_invoice(status="OPEN")
    url = reverse("admin:billing_invoice_delete", args=[open_invoice.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    draft = make_invoice()
    admin_client.post(reverse("admin:billing_invoice_delete", args=[draft.pk]), {"post": "yes"})
    assert list(Invoice.objects.values_list("pk", flat=True)) == [open_invoice.pk]


def test_api_credential_secret_is_shown_once_and_stored_hashed(admin_client):
    org = OrganizationFactory()
    response = admin_client.post(
        reverse("admin:billing_apicredential_add"), {"organization": org.pk, "name": "erp"}
    )
    page = response.content.decode()
    secret = re.search(r'id="client-secret">([^<]+)<', page).group(1)
    credential = ApiCredential.objects.get()
    assert credential.secret_hash == hash_secret(secret)
    assert (
        secret
        not in admin_client.get(
            reverse("admin:billing_apicredential_change", args=[credential.pk])
        ).content.decode()
    )


def test_used_tax_rate_is_read_only(admin_client):
    org = OrganizationFactory()
    tax = TaxFactory(organization=org)
    page = admin_client.get(reverse("admin:billing_tax_change", args=[tax.pk])).content.decode()
    assert 'name="rate"' in page
    make_invoice(org, tax=tax)
    page = admin_client.get(reverse("admin:billing_tax_change", args=[tax.pk])).content.decode()
    assert 'name="rate"' not in page and 'name="inclusive"' not in page
    assert Tax.objects.get().rate == tax.rate


def test_user_data_is_escaped_in_the_changelist(admin_client):
    org = OrganizationFactory()
    customer = CustomerFactory(organization=org, name="<script>alert(1)</script>")
    make_invoice(org, customer=customer)
    page = admin_client.get(reverse("admin:billing_invoice_changelist")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


READ_ONLY = [
    "billing.InvoiceSequence",
    "billing.Payment",
    "billing.InvoiceEvent",
    "notifications.TemplateVersion",
    "notifications.Message",
    "notifications.InboundWebhook",
    "notifications.OrphanEvent",
]


@pytest.mark.parametrize("label", READ_ONLY)
def test_records_only_services_write_are_read_only_for_everyone(rf, admin_user, label):
    model_admin = admin.site._registry[apps.get_model(label)]
    request = rf.get("/")
    request.user = admin_user  # a superuser: the refusal is the admin's, not a missing grant
    assert (
        model_admin.has_add_permission(request),
        model_admin.has_change_permission(request),
        model_admin.has_delete_permission(request),
        model_admin.has_view_permission(request),
    ) == (False, False, False, True)


def test_the_default_wallet_is_chosen_among_the_organizations_own_wallets(admin_client):
    org, other = OrganizationFactory(), OrganizationFactory()
    ours = WalletFactory(organization=org, address="0xours")
    WalletFactory(organization=org, address="0xretired", active=False)
    theirs = WalletFactory(organization=other, address="0xtheirs")
    page = admin_client.get(reverse("admin:billing_organization_change", args=[org.pk]))
    options = re.findall(
        r'<option value="([^"]+)"',
        page.content.decode().split('name="default_wallet"')[1].split("</select>")[0],
    )
    assert options == [str(ours.pk)]
    assert str(theirs.pk) not in options


def _form_data(context) -> dict:
    """What a browser sends back when the page is saved unchanged."""
    data = {"_save": "Save"}
    forms = [context["adminform"].form]
    for inline in context.get("inline_admin_formsets", []):
        formset = inline.formset
        forms.append(formset.management_form)
        forms.extend(formset.forms)
    for form in forms:
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue
            data[bound.html_name] = (
                [str(v) for v in value] if isinstance(value, list) else (str(value))
            )
    return data


@pytest.mark.parametrize("model", registered_models(), ids=lambda m: m._meta.label)
def test_every_admin_change_page_can_be_posted_back_unchanged(admin_client, demo, model):
    """Save on any page answers a page or a redirect, never a server error."""
    obj = model._default_manager.first()
    if obj is None:
        pytest.skip(f"the demo has no {model._meta.verbose_name}")
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
    page = admin_client.get(url)
    response = admin_client.post(url, _form_data(page.context))
    assert response.status_code in (200, 302, 403)
