"""The invoice form and page: live totals from the server's calculator, choices that say what
they cost, the workspace's organization, the finalize confirmation, PDF and pay-page links,
drafts named by customer and day."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice, Tax, TaxComponent
from tests.billing.admin_support import make_member
from tests.factories import (
    CustomerFactory,
    OrganizationFactory,
    ProductFactory,
    TaxFactory,
    make_invoice,
)

pytestmark = pytest.mark.django_db

TOTALS = reverse("admin:billing_invoice_totals")
ADD = reverse("admin:billing_invoice_add")


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Acme", default_currency="USD")


@pytest.fixture
def clerk(client, org, django_user_model):
    client.force_login(make_member(django_user_model, org, username="clara", role="clerk"))
    return client


def form_data(customer, lines, **fields) -> dict:
    """The invoice add form as the browser posts it: header fields and item rows."""
    data = {
        "customer": customer.pk,
        "name": "Services",
        "email": "",
        "currency": "",
        "due_date": "2099-01-31",
        "payment_methods": ["BANK_TRANSFER"],
        "delivery": "MANUALLY",
        "payment_link": "on",
        "items-TOTAL_FORMS": str(len(lines)),
        "items-INITIAL_FORMS": "0",
        "payments-TOTAL_FORMS": "0",
        "payments-INITIAL_FORMS": "0",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    for index, (product, quantity) in enumerate(lines):
        data[f"items-{index}-product"] = product.pk if product else ""
        data[f"items-{index}-quantity"] = quantity
    data.update(fields)
    return data


def compound_tax(org) -> Tax:
    tax = TaxFactory(organization=org, name="GST+QST", rate=Decimal(0))
    TaxComponent.objects.create(tax=tax, position=0, name="GST", rate=Decimal(5))
    TaxComponent.objects.create(
        tax=tax, position=1, name="QST", rate=Decimal("9.975"), compound=True
    )
    return tax


# (currency, [(unit price in minor units, quantity)], tax maker, expected panel)
CASES = {
    "JPY": (
        "JPY",
        [(1234, "3"), (99, "1")],
        lambda org: TaxFactory(organization=org, name="Consumption tax", rate=Decimal(10)),
        {
            "subtotal": "3,801 JPY",
            "taxes": [
                {"label": "Consumption tax 10%", "taxable": "3,801 JPY", "amount": "380 JPY"}
            ],
            "total": "4,181 JPY",
            "minor": {"subtotal": 3801, "tax": 380, "total": 4181, "amount_due": 4181},
        },
    ),
    "KWD": (
        "KWD",
        [(12345, "2"), (1, "0.5")],
        lambda org: TaxFactory(organization=org, name="VAT", rate=Decimal(5)),
        {
            "subtotal": "24.691 KWD",
            "taxes": [{"label": "VAT 5%", "taxable": "24.691 KWD", "amount": "1.235 KWD"}],
            "total": "25.926 KWD",
            "minor": {"subtotal": 24691, "tax": 1235, "total": 25926, "amount_due": 25926},
        },
    ),
    "inclusive": (
        "USD",
        [(1200, "1"), (999, "1")],
        lambda org: TaxFactory(organization=org, name="VAT", rate=Decimal(20), inclusive=True),
        {
            "subtotal": "18.33 USD",
            "taxes": [{"label": "VAT 20%", "taxable": "18.33 USD", "amount": "3.66 USD"}],
            "total": "21.99 USD",
            "minor": {"subtotal": 1833, "tax": 366, "total": 2199, "amount_due": 2199},
        },
    ),
    "compound": (
        "CAD",
        [(10000, "1"), (2550, "2")],
        compound_tax,
        {
            "subtotal": "151.00 CAD",
            "taxes": [
                {"label": "GST 5%", "taxable": "151.00 CAD", "amount": "7.55 CAD"},
                {"label": "QST 9.975%", "taxable": "158.55 CAD", "amount": "15.81 CAD"},
            ],
            "total": "174.36 CAD",
            "minor": {"subtotal": 15100, "tax": 2336, "total": 17436, "amount_due": 17436},
        },
    ),
}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_live_totals_are_exact_and_the_saved_draft_gets_the_same(clerk, org, case):
    currency, lines, make_tax, expected = CASES[case]
    customer = CustomerFactory(organization=org, name="Alexey Ivanov")
    tax = make_tax(org)
    products = [
        (ProductFactory(organization=org, unit_price=price, currency=currency), qty)
        for price, qty in lines
    ]
    data = form_data(customer, products, currency=currency, tax=tax.pk)

    answer = clerk.post(TOTALS, data)

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert {key: body[key] for key in expected} == expected
    assert body["amount_due"] == body["total"]
    assert clerk.post(ADD, data).status_code == 302
    saved = Invoice.objects.get()
    assert (saved.subtotal, saved.tax_amount, saved.total) == (
        expected["minor"]["subtotal"],
        expected["minor"]["tax"],
        expected["minor"]["total"],
    )
    saved_lines = [saved.money(item.amount) for item in saved.items.all()]
    assert [line["amount"] for line in body["lines"]] == saved_lines


def test_rows_not_filled_in_or_deleted_are_left_out(clerk, org):
    customer = CustomerFactory(organization=org)
    product = ProductFactory(organization=org, unit_price=12000)
    data = form_data(customer, [(product, "3"), (product, "1"), (None, ""), (product, "")])
    data["items-1-DELETE"] = "on"

    body = clerk.post(TOTALS, data).json()

    assert (body["subtotal"], body["total"], body["taxes"]) == ("360.00 USD", "360.00 USD", [])
    assert body["lines"] == [
        {
            "name": product.name,
            "unit_price": "120.00 USD",
            "amount": "360.00 USD",
            "tax": "0.00 USD",
        },
        None,
        None,
        None,
    ]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"items-0-quantity": "three"}, "Line 1: Quantity: Enter a number."),
        ({"items-0-quantity": "0"}, "Line 1: Quantity: Ensure this value is greater than or"),
        ({"currency": "XXQ"}, "Currency: 'XXQ' is not a supported ISO currency code."),
        ({"items-TOTAL_FORMS": ""}, "ManagementForm data is missing or has been tampered with"),
        (
            {"currency": "EUR"},
            "Product 'Consulting' is priced in USD, not in the invoice currency EUR",
        ),
    ],
    ids=["quantity", "zero", "currency", "management", "product-currency"],
)
def test_bad_input_is_a_sentence_not_a_500(clerk, org, change, error):
    customer = CustomerFactory(organization=org)
    product = ProductFactory(organization=org, name="Consulting", unit_price=12000)

    answer = clerk.post(TOTALS, form_data(customer, [(product, "1")], **change))

    assert answer.status_code == 400
    assert [e for e in answer.json()["errors"] if e.startswith(error)], answer.json()


def test_another_organizations_product_tax_or_customer_is_refused(clerk, org):
    bravo = OrganizationFactory(name="Bravo")
    mine = CustomerFactory(organization=org)
    product = ProductFactory(organization=org)
    theirs = {
        "product": ProductFactory(organization=bravo, name="Bravo secret product"),
        "tax": TaxFactory(organization=bravo),
        "customer": CustomerFactory(organization=bravo),
    }
    refusals = {
        "product": (
            form_data(mine, [(theirs["product"], "1")]),
            "Line 1: Product: Choose one of this organization's products.",
        ),
        "tax": (
            form_data(mine, [(product, "1")], tax=theirs["tax"].pk),
            "Tax: Choose one of this organization's taxes.",
        ),
        "customer": (
            form_data(theirs["customer"], [(product, "1")]),
            "Customer: Choose one of this organization's customers.",
        ),
    }
    for data, error in refusals.values():
        answer = clerk.post(TOTALS, data)
        assert (answer.status_code, answer.json()) == (400, {"errors": [error]})
        assert "Bravo" not in answer.content.decode()


def test_a_drafts_totals_url_is_scoped_and_only_for_drafts(clerk, org):
    customer = CustomerFactory(organization=org)
    product = ProductFactory(organization=org, unit_price=500)
    draft = make_invoice(org, customer=customer)
    theirs = make_invoice(OrganizationFactory())
    issued = make_invoice(org, status="OPEN")
    data = form_data(customer, [(product, "2")])

    def url(invoice):
        return reverse("admin:billing_invoice_draft_totals", args=[invoice.pk])

    assert clerk.post(url(draft), data).json()["total"] == "10.00 USD"
    assert clerk.post(url(theirs), data).status_code == 404
    frozen = clerk.post(url(issued), data)
    assert frozen.status_code == 409
    assert frozen.json() == {
        "errors": [f"Invoice {issued.number} is finalized: its totals are frozen."]
    }
    assert clerk.get(TOTALS).status_code == 405


def test_the_add_page_presets_what_it_can_and_prices_the_choices(clerk, org):
    org.payment_instructions = {"CASH": "At our office", "BANK_TRANSFER": "IBAN DE00 1234"}
    org.save()
    CustomerFactory(organization=org, name="Alexey Ivanov")
    ProductFactory(organization=org, name="Consulting", unit_price=12000)
    ProductFactory(organization=org, name="Setup", unit_price=1, currency="KWD")
    ProductFactory(organization=OrganizationFactory(), name="Bravo product")

    page = clerk.get(ADD)

    form = page.context["adminform"].form
    assert form.fields["organization"].disabled
    assert form["organization"].value() == org.pk
    assert form["payment_methods"].value() == ["BANK_TRANSFER", "CASH"]
    assert form["currency"].value() == "USD"
    products = page.context["inline_admin_formsets"][0].formset.form.base_fields["product"]
    assert [label for _value, label in products.choices] == [
        "---------",
        "Consulting — 120.00 USD",
        "Setup — 0.001 KWD",
    ]
    html = page.content.decode()
    assert 'id="live-totals"' in html and f'data-url="{TOTALS}"' in html
    assert "billing/invoice_form.js" in html


def test_without_instructions_a_bank_transfer_is_the_default(clerk, org):
    page = clerk.get(ADD)
    assert page.context["adminform"].form["payment_methods"].value() == ["BANK_TRANSFER"]


def test_a_posted_organization_is_ignored_for_the_workspaces(clerk, org):
    bravo = OrganizationFactory()
    customer = CustomerFactory(organization=org)
    product = ProductFactory(organization=org)
    data = form_data(customer, [(product, "1")], organization=bravo.pk)
    assert clerk.post(ADD, data).status_code == 302
    assert Invoice.objects.get().organization_id == org.pk


def test_drafts_are_named_by_customer_and_day_everywhere(clerk, org):
    org.time_zone = "Asia/Tokyo"
    org.save()
    customer = CustomerFactory(organization=org, name="Alexey Ivanov")
    draft = make_invoice(org, customer=customer)
    # 20:00 UTC on 30 November is already 1 December in Tokyo.
    Invoice.objects.filter(pk=draft.pk).update(created_at=datetime(2026, 11, 30, 20, 0, tzinfo=UTC))
    draft.refresh_from_db()
    title = "Draft for Alexey Ivanov, 1 Dec 2026"

    assert str(draft) == title
    page = clerk.get(reverse("admin:billing_invoice_change", args=[draft.pk])).content.decode()
    assert f"<h2>{title}</h2>" in page
    assert f"&rsaquo; {title}" in page  # breadcrumbs
    listed = clerk.get(reverse("admin:billing_invoice_changelist")).content.decode()
    assert title in listed and "Draft " + str(draft.pk)[:8] not in listed
    finalize = reverse("admin:billing_invoice_lifecycle", args=[draft.pk, "finalize"])
    assert f"<h1>Finalize {title}?</h1>" in clerk.get(finalize).content.decode()


def finalize_page(client, invoice) -> str:
    url = reverse("admin:billing_invoice_lifecycle", args=[invoice.pk, "finalize"])
    return client.get(url).content.decode()


def test_finalize_confirmation_names_the_number_the_recipients_and_no_approval(clerk, org):
    make_invoice(org, status="OPEN")  # takes INV-000001
    customer = CustomerFactory(
        organization=org,
        name="Alexey Ivanov",
        email="alexey@example.com",
        phone="+79001234567",
        whatsapp_opted_in_at=timezone.now(),
        preferred_channels=["whatsapp", "email"],
    )
    draft = make_invoice(org, customer=customer, lines=[(12000, 3)], delivery="WHATSAPP")

    page = finalize_page(clerk, draft)

    assert "The invoice takes the number <strong>INV-000002</strong>" in page
    assert "WhatsApp to <strong>+*******4567</strong>" in page
    assert "E-mail to" not in page
    assert "No approval needed." in page
    assert "<td>3</td><td>" in page and "360.00 USD" in page
    assert 'value="Yes, finalize and send"' in page

    draft.delivery = "EMAIL"
    draft.save()
    page = finalize_page(clerk, draft)
    assert "E-mail to <strong>alexey@example.com</strong>" in page
    assert "WhatsApp to" not in page


def test_finalize_confirmation_says_when_nothing_goes_out_and_when_approval_is_needed(clerk, org):
    customer = CustomerFactory(organization=org, email="x@example.com")
    draft = make_invoice(org, customer=customer, lines=[(100000, 1)], delivery="MANUALLY")
    page = finalize_page(clerk, draft)
    assert 'Nothing is sent: this invoice\'s delivery is "Manually".' in page
    assert 'value="Yes, finalize"' in page

    org.approval_amount = Decimal(900)
    org.save()
    page = finalize_page(clerk, draft)
    assert "If approved now, the invoice takes the number <strong>INV-000001</strong>" in page
    assert (
        "Approval needed: the total of 1,000.00 USD reaches the approval threshold of 900.00 USD."
        in page
    )
    assert 'value="Yes, ask for approval"' in page
    clerk.post(reverse("admin:billing_invoice_lifecycle", args=[draft.pk, "finalize"]))
    draft.refresh_from_db()
    assert (draft.status, draft.number, draft.approvals.count()) == ("DRAFT", None, 1)


def test_finalize_confirmation_warns_of_a_message_that_will_not_go_out(clerk, org):
    customer = CustomerFactory(organization=org, phone="+79001234567")
    draft = make_invoice(org, customer=customer, delivery="WHATSAPP")
    page = finalize_page(clerk, draft)
    assert "will not go out: The customer has not opted in to WhatsApp messages." in page


def test_an_issued_invoice_links_its_pdf_and_pay_page(clerk, org):
    issued = make_invoice(org, status="OPEN")
    change = reverse("admin:billing_invoice_change", args=[issued.pk])
    page = clerk.get(change).content.decode()
    pdf = reverse("admin:billing_invoice_pdf", args=[issued.pk])
    assert f'href="{pdf}" class="invoice-pdf"' in page
    assert f'href="/pay/{issued.payment_token}/" class="invoice-pay-page"' in page

    answer = clerk.get(pdf)
    assert answer["Content-Type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    clerk.get(f"/pay/{issued.payment_token}/")
    issued.refresh_from_db()
    assert issued.pay_page_opened_at is None  # staff looking is not the customer opening it

    no_link = make_invoice(org, status="OPEN", payment_link=False)
    page = clerk.get(reverse("admin:billing_invoice_change", args=[no_link.pk])).content.decode()
    assert "invoice-pay-page" not in page and "invoice-pdf" in page


def test_a_draft_has_no_pdf_and_another_organizations_pdf_is_a_404(clerk, org):
    draft = make_invoice(org)
    page = clerk.get(reverse("admin:billing_invoice_change", args=[draft.pk])).content.decode()
    assert "invoice-pdf" not in page and "invoice-pay-page" not in page
    answer = clerk.get(reverse("admin:billing_invoice_pdf", args=[draft.pk]), follow=True)
    assert "Draft invoices have no PDF: finalize the invoice first." in answer.content.decode()
    theirs = make_invoice(OrganizationFactory(), status="OPEN")
    assert clerk.get(reverse("admin:billing_invoice_pdf", args=[theirs.pk])).status_code == 404


@pytest.mark.parametrize(
    "changelist",
    ["billing_invoice_changelist", "billing_invoiceevent_changelist"],
)
def test_naming_drafts_costs_no_query_per_row(clerk, org, changelist):
    url = reverse(f"admin:{changelist}")

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert clerk.get(url).status_code == 200
        return len(ctx.captured_queries)

    make_invoice(org)
    few = count_queries()
    for _ in range(4):
        make_invoice(org)
    assert count_queries() == few
