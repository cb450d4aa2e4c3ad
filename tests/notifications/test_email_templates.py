"""The ``invoice`` template registry entry: the seed's schema, every row of its message table,
defaults and their interpolation, version resolution."""

import copy

import pytest

from notifications.models import MessageTemplate, TemplateVersion
from notifications.templating import schema
from notifications.templating.errors import InvalidTemplateData, TemplateNotFound
from notifications.templating.registry import field_specs, resolve, sync_shipped_templates
from notifications.templating.render import prepare
from tests.notifications.email_support import SEED_EXAMPLE_DATA as EXAMPLE

pytestmark = pytest.mark.django_db


@pytest.fixture
def v1():
    return resolve("invoice", "v1")


def problems(version, data):
    return [p.as_dict() for p in schema.validate(field_specs(version), data)]


def with_(**changes):
    data = copy.deepcopy(EXAMPLE)
    for name, value in changes.items():
        if value is None:
            data.pop(name)
        else:
            data[name] = value
    return data


def test_shipped_invoice_v1_matches_the_seed(v1):
    template = v1.template
    assert (template.key, template.name, template.category, template.channel) == (
        "invoice",
        "Invoice",
        "billing",
        "email",
    )
    assert template.description == "Sent when an invoice is issued."
    assert (v1.version, v1.status) == ("v1", "stable")
    rows = [
        (f.name, f.type, f.required, f.max_length, f.description, f.example)
        for f in field_specs(v1)
    ]
    assert rows == [
        ("invoice", "object", True, None, "Invoice", EXAMPLE["invoice"]),
        ("invoiceNumber", "text", True, 1000, "Invoice Number", "Invoice Number"),
        ("actionButton.label", "text", False, 120, "Action Button Label", "View invoice"),
        ("actionButton.url", "url", False, 2048, "Action Button URL", "https://example.com/app"),
        ("heading", "text", False, 180, "Heading", "Invoice Invoice Number"),
        ("intro", "text", False, 1000, "Intro", "Your invoice is ready."),
        ("preheader", "text", False, 220, "Preheader", "Your invoice is ready."),
        ("subject", "text", False, 180, "Subject", "Invoice Invoice Number"),
    ]
    assert v1.defaults == {
        "actionButton.label": "View invoice",
        "heading": "Invoice {{invoiceNumber}}",
        "intro": "Your invoice is ready.",
        "preheader": "Your invoice is ready.",
        "subject": "Invoice {{invoiceNumber}}",
    }
    assert v1.example == {"templateId": "invoice", "data": EXAMPLE}


def test_the_seed_example_data_is_accepted(v1):
    assert problems(v1, v1.example["data"]) == []


@pytest.mark.parametrize(
    ("data", "code", "field", "message"),
    [
        (with_(invoice=None), "missing_required_variable", "invoice", "Invoice is required."),
        (
            with_(invoiceNumber=None),
            "missing_required_variable",
            "invoiceNumber",
            "Invoice Number is required.",
        ),
        (
            with_(invoiceNumber="9" * 1001),
            "field_too_long",
            "invoiceNumber",
            "Invoice Number must be 1000 characters or fewer.",
        ),
        (
            with_(actionButton={"label": "x" * 121}),
            "field_too_long",
            "actionButton.label",
            "Action Button Label must be 120 characters or fewer.",
        ),
        (
            with_(actionButton={"url": "https://example.com/" + "a" * 2029}),
            "field_too_long",
            "actionButton.url",
            "Action Button URL must be 2048 characters or fewer.",
        ),
        (
            with_(actionButton={"url": "javascript:alert(1)"}),
            "invalid_url",
            "actionButton.url",
            "Action Button URL must be a valid http or https URL.",
        ),
        (
            with_(heading="h" * 181),
            "field_too_long",
            "heading",
            "Heading must be 180 characters or fewer.",
        ),
        (
            with_(intro="i" * 1001),
            "field_too_long",
            "intro",
            "Intro must be 1000 characters or fewer.",
        ),
        (
            with_(preheader="p" * 221),
            "field_too_long",
            "preheader",
            "Preheader must be 220 characters or fewer.",
        ),
        (
            with_(subject="s" * 181),
            "field_too_long",
            "subject",
            "Subject must be 180 characters or fewer.",
        ),
    ],
)
def test_each_error_row_of_the_seed(v1, data, code, field, message):
    assert problems(v1, data) == [{"code": code, "field": field, "message": message}]


def test_limits_are_inclusive(v1):
    data = with_(
        invoiceNumber="9" * 1000,
        actionButton={"label": "x" * 120, "url": "https://example.com/" + "a" * 2028},
        heading="h" * 180,
        intro="i" * 1000,
        preheader="p" * 220,
        subject="s" * 180,
    )
    assert len(data["actionButton"]["url"]) == 2048
    assert problems(v1, data) == []


def test_every_problem_is_returned_at_once(v1):
    data = {"actionButton": {"url": "ftp://example.com/x"}, "subject": "s" * 181}
    with pytest.raises(InvalidTemplateData) as caught:
        prepare(v1, data)
    assert [p.as_dict() for p in caught.value.problems] == [
        {
            "code": "missing_required_variable",
            "field": "invoice",
            "message": "Invoice is required.",
        },
        {
            "code": "missing_required_variable",
            "field": "invoiceNumber",
            "message": "Invoice Number is required.",
        },
        {
            "code": "invalid_url",
            "field": "actionButton.url",
            "message": "Action Button URL must be a valid http or https URL.",
        },
        {
            "code": "field_too_long",
            "field": "subject",
            "message": "Subject must be 180 characters or fewer.",
        },
    ]


def test_empty_string_and_null_count_as_missing(v1):
    assert [p["code"] for p in problems(v1, with_(invoiceNumber=""))] == [
        "missing_required_variable"
    ]
    assert [p["code"] for p in problems(v1, {"invoice": None, "invoiceNumber": None})] == [
        "missing_required_variable",
        "missing_required_variable",
    ]


def test_wrong_types_and_unknown_fields_are_named(v1):
    data = with_(invoice="not an object", colour="red", actionButton={"label": "Pay", "icon": "x"})
    assert problems(v1, data) == [
        {"code": "invalid_type", "field": "invoice", "message": "Invoice must be an object."},
        {
            "code": "unknown_field",
            "field": "colour",
            "message": "colour is not a field of this template.",
        },
        {
            "code": "unknown_field",
            "field": "actionButton.icon",
            "message": "actionButton.icon is not a field of this template.",
        },
    ]


def test_defaults_fill_in_and_interpolate(v1):
    resolved = prepare(v1, with_(invoiceNumber="INV-000042"))
    assert resolved["subject"] == "Invoice INV-000042"
    assert resolved["heading"] == "Invoice INV-000042"
    assert resolved["intro"] == "Your invoice is ready."
    assert resolved["preheader"] == "Your invoice is ready."
    assert resolved["actionButton"] == {"label": "View invoice"}
    assert resolved["invoice"] == EXAMPLE["invoice"]


def test_given_values_beat_defaults_and_nested_fields_stay_nested(v1):
    data = with_(subject="Your bill", actionButton={"url": "https://pay.example.com/x"})
    resolved = prepare(v1, data)
    assert resolved["subject"] == "Your bill"
    assert resolved["heading"] == "Invoice Invoice Number"
    assert resolved["actionButton"] == {"label": "View invoice", "url": "https://pay.example.com/x"}


def test_an_interpolated_default_is_cut_to_the_field_limit(v1):
    resolved = prepare(v1, with_(invoiceNumber="7" * 500))
    assert len(resolved["subject"]) == 180
    assert resolved["subject"].startswith("Invoice 777") and resolved["subject"].endswith("…")


def test_latest_stable_version_resolves_and_drafts_do_not():
    template = MessageTemplate.objects.get(key="invoice")
    v1 = TemplateVersion.objects.get(template=template, version="v1")
    TemplateVersion.objects.create(
        template=template,
        version="v3",
        status="draft",
        fields=v1.fields,
        body_template=v1.body_template,
    )
    TemplateVersion.objects.create(
        template=template,
        version="v2",
        status="stable",
        fields=v1.fields,
        body_template=v1.body_template,
    )
    assert resolve("invoice").version == "v2"
    assert resolve("invoice", "v1").version == "v1"
    with pytest.raises(TemplateNotFound):
        resolve("invoice", "v3")
    assert resolve("invoice", "v3", allow_draft=True).version == "v3"
    TemplateVersion.objects.filter(version="v2").update(status="deprecated")
    assert resolve("invoice").version == "v1"
    with pytest.raises(TemplateNotFound, match="Template 'receipt' not found"):
        resolve("receipt")


def test_sync_is_idempotent_and_restores_shipped_definitions():
    TemplateVersion.objects.filter(version="v1").update(defaults={})
    assert sync_shipped_templates() == 3  # credit_note v1, invoice v1, invoice_reminder v1
    assert sync_shipped_templates() == 3
    assert TemplateVersion.objects.filter(template__key="invoice").count() == 1
    assert resolve("invoice", "v1").defaults["subject"] == "Invoice {{invoiceNumber}}"


def test_the_credit_note_template_names_its_missing_fields_and_previews_its_example(
    admin_client,
):
    version = resolve("credit_note")
    with pytest.raises(InvalidTemplateData) as caught:
        prepare(version, {"creditNoteNumber": "CN-000001"})
    assert [p.field for p in caught.value.problems] == [
        "invoiceNumber",
        "customerName",
        "issueDate",
        "reason",
        "creditNote",
        "totals.amount",
        "totals.amountDue",
    ]
    page = admin_client.get(f"/admin/notifications/templateversion/{version.pk}/change/")
    html = page.content.decode()
    assert "Credit note number" in html  # the schema's field descriptions
    assert "Credit note CN-000001" in html and "1,666.75 USD" in html  # the example rendered
