"""The admin as a multi-tenant workspace: a member of B never sees, reaches or picks A's rows."""

import uuid

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite, ModelAdmin
from django.contrib.auth.models import User
from django.db import models
from django.test import Client, RequestFactory
from django.urls import URLPattern, reverse

from billing.admin.collections import PAGES
from billing.admin.scoping import (
    PLATFORM,
    SESSION_KEY,
    SHARED,
    check_site_is_scoped,
    unscoped_admins,
)
from billing.models import (
    ApprovalRequest,
    CreditNote,
    Customer,
    FollowUp,
    IdempotencyKey,
    Invoice,
    Membership,
    Payment,
    PaymentReversal,
    Reminder,
    ReminderPolicy,
)
from notifications.models import Message
from tests.billing.admin_support import build_tenant, make_member

pytestmark = pytest.mark.django_db

REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
TENANT_ADMINS = [
    (model, model_admin)
    for model, model_admin in REGISTRY
    if model_admin.get_tenant_path() not in (SHARED, PLATFORM)
]
PLATFORM_ADMINS = [(m, a) for m, a in REGISTRY if a.get_tenant_path() == PLATFORM]
STANDARD_VIEWS = ("changelist", "add", "change", "delete", "history", "autocomplete")


def label(item) -> str:
    return item[0]._meta.label


def custom_urls():
    """Every URL a ModelAdmin adds to Django's own, with the admin that serves it."""
    found = []
    for model, model_admin in REGISTRY:
        for pattern in model_admin.get_urls():
            if (
                isinstance(pattern, URLPattern)
                and pattern.name
                and "object_id" in str(pattern.pattern)
            ) and not pattern.name.endswith(tuple(f"_{view}" for view in STANDARD_VIEWS)):
                found.append((model, pattern.name))
    return found


def rows_of(model, model_admin, org):
    return model._default_manager.filter(**{model_admin.get_tenant_path(): org.pk}).distinct()


@pytest.fixture
def tenants(db):
    return build_tenant("ALPHA"), build_tenant("BRAVO")


@pytest.fixture
def bravo_client(client, tenants, django_user_model):
    client.force_login(make_member(django_user_model, tenants[1], username="bob"))
    return client


def refused(model, verb: str) -> int:
    """The answer for an id of this model: 404 when bob's role may ``verb`` such rows, else 403."""
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user, request.session = User.objects.get(username="bob"), {}
    return 404 if getattr(model_admin, f"has_{verb}_permission")(request) else 403


def assert_no_alpha(response, alpha) -> None:
    html = response.content.decode()
    assert "ALPHA" not in html
    assert str(alpha.pk) not in html


def test_every_registered_admin_goes_through_the_scoping():
    assert unscoped_admins(admin.site) == []
    assert check_site_is_scoped() == []


def test_an_admin_registered_without_the_scoping_is_an_error():
    site = AdminSite(name="bare")
    site.register(Customer, ModelAdmin)
    assert unscoped_admins(site) == ["billing.Customer"]
    admin.site.register(IdempotencyKey, ModelAdmin)
    try:
        errors = check_site_is_scoped()
    finally:
        admin.site.unregister(IdempotencyKey)
    assert [(e.id, e.msg) for e in errors] == [
        ("billing.E101", "billing.IdempotencyKey is registered without billing.admin.scoping")
    ]


def test_every_tenant_model_has_rows_in_both_organizations(tenants):
    alpha, bravo = tenants
    for model, model_admin in TENANT_ADMINS:
        assert rows_of(model, model_admin, alpha).count() >= 1, model
        assert rows_of(model, model_admin, bravo).count() >= 1, model


@pytest.mark.parametrize("item", TENANT_ADMINS, ids=label)
def test_another_organizations_object_is_the_same_404_as_a_missing_one(bravo_client, tenants, item):
    model, model_admin = item
    opts = model._meta
    missing_pk = uuid.uuid4() if isinstance(opts.pk, models.UUIDField) else 10**9
    before = model._default_manager.count()
    for obj in rows_of(model, model_admin, tenants[0]):
        for view in ("change", "history", "delete"):
            name = f"admin:{opts.app_label}_{opts.model_name}_{view}"
            url, missing = reverse(name, args=[obj.pk]), reverse(name, args=[missing_pk])
            response = bravo_client.get(url)
            assert response.status_code == bravo_client.get(missing).status_code, url
            # 403 only where the role may not delete or change this kind of row at all
            assert response.status_code == (404 if view != "delete" else refused(model, "delete"))
            assert_no_alpha(response, tenants[0])
            posted = bravo_client.post(url, {"post": "yes"})
            assert posted.status_code == bravo_client.post(missing, {"post": "yes"}).status_code
            verb = "change" if view == "change" else "delete" if view == "delete" else "view"
            assert posted.status_code == refused(model, verb)
    assert model._default_manager.count() == before  # nothing of theirs was changed away


@pytest.mark.parametrize("item", TENANT_ADMINS, ids=label)
def test_a_changelist_shows_only_the_own_organizations_rows(bravo_client, tenants, item):
    model, model_admin = item
    opts = model._meta
    response = bravo_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert response.status_code == 200
    shown = {obj.pk for obj in response.context["cl"].result_list}
    assert shown == set(rows_of(model, model_admin, tenants[1]).values_list("pk", flat=True))
    assert_no_alpha(response, tenants[0])


@pytest.mark.parametrize("item", TENANT_ADMINS, ids=label)
def test_forms_offer_only_the_own_organizations_choices(bravo_client, tenants, item):
    model, model_admin = item
    opts = model._meta
    base = f"admin:{opts.app_label}_{opts.model_name}"
    add = bravo_client.get(reverse(f"{base}_add"))
    assert add.status_code in (200, 403)
    assert_no_alpha(add, tenants[0])
    for obj in rows_of(model, model_admin, tenants[1]):
        change = bravo_client.get(reverse(f"{base}_change", args=[obj.pk]))
        assert change.status_code == 200
        assert_no_alpha(change, tenants[0])


def autocomplete_sources():
    """Every foreign key of a registered model whose target admin can be searched."""
    sources = []
    for model, _model_admin in REGISTRY:
        for field in model._meta.get_fields():
            target = admin.site._registry.get(getattr(field, "related_model", None))
            if field.many_to_one and field.concrete and target and target.search_fields:
                sources.append((model, field.name))
    return sources


@pytest.mark.parametrize(
    ("model", "field_name"), autocomplete_sources(), ids=lambda v: getattr(v, "__name__", v)
)
def test_autocomplete_answers_only_the_own_organizations_rows(
    bravo_client, tenants, model, field_name
):
    target = model._meta.get_field(field_name).related_model
    target_admin = admin.site._registry[target]
    url = reverse("admin:autocomplete")
    params = {
        "app_label": model._meta.app_label,
        "model_name": model._meta.model_name,
        "field_name": field_name,
        "term": "",
    }
    response = bravo_client.get(url, params)
    if target_admin.get_tenant_path() == PLATFORM:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    ids = {r["id"] for r in response.json()["results"]}
    own = {str(pk) for pk in rows_of(target, target_admin, tenants[1]).values_list("pk", flat=True)}
    assert ids == own


def test_custom_admin_urls_are_all_covered():
    assert sorted(name for _model, name in custom_urls()) == [
        "billing_approvalrequest_decide",
        "billing_customer_reminders",
        "billing_customer_statement",
        "billing_invoice_attention",
        "billing_invoice_credit_note",
        "billing_invoice_credit_note_email",
        "billing_invoice_credit_note_page",
        "billing_invoice_credit_note_pdf",
        "billing_invoice_draft_totals",
        "billing_invoice_email",
        "billing_invoice_lifecycle",
        "billing_invoice_payment",
        "billing_invoice_pdf",
        "billing_invoice_reminders",
        "billing_invoice_reverse_payment",
        "billing_invoice_send_whatsapp",
    ]


@pytest.mark.parametrize(("model", "name"), custom_urls(), ids=lambda v: getattr(v, "__name__", v))
def test_custom_admin_views_answer_404_for_another_organization(bravo_client, tenants, model, name):
    def extra(obj) -> list:
        payment = obj.payments.first() if name == "billing_invoice_reverse_payment" else None
        return {
            "billing_invoice_lifecycle": ["finalize"],
            "billing_approvalrequest_decide": ["approve"],
            "billing_invoice_reverse_payment": [payment.pk if payment else uuid.uuid4()],
            "billing_invoice_credit_note_pdf": [uuid.uuid4()],
            "billing_invoice_credit_note_page": [uuid.uuid4()],
            "billing_invoice_credit_note_email": [uuid.uuid4()],
            "billing_invoice_reminders": ["pause"],
            "billing_customer_reminders": ["pause"],
            "billing_invoice_attention": ["resolve-dispute"],
        }.get(name, [])

    for obj in rows_of(model, admin.site._registry[model], tenants[0]):
        before = snapshot()
        url = reverse(f"admin:{name}", args=[obj.pk, *extra(obj)])
        for response in (
            bravo_client.get(url),
            bravo_client.post(
                url,
                {
                    "action": "send",
                    "amount": "1",
                    "method": "CASH",
                    "reason": "DUPLICATE",
                    "note": "resolved",
                },
            ),
        ):
            assert response.status_code == 404
            assert_no_alpha(response, tenants[0])
        assert snapshot() == before


def snapshot() -> tuple:
    return (
        sorted(
            Invoice.objects.values_list(
                "status", "number", "amount_paid", "reminders_paused", "disputed_at"
            )
        ),
        sorted(Reminder.objects.values_list("status", flat=True)),
        sorted(Customer.objects.values_list("name", "reminders_paused")),
        FollowUp.objects.count(),
        list(ReminderPolicy.objects.values_list("organization", "enabled")),
        Message.objects.count(),
        Payment.objects.count(),
        PaymentReversal.objects.count(),
        CreditNote.objects.count(),
        sorted(ApprovalRequest.objects.values_list("status", flat=True)),
    )


SITE_PAGES = [p for p in PAGES if "<" not in p.route]


@pytest.mark.parametrize("page", SITE_PAGES, ids=lambda p: p.name)
def test_site_pages_show_only_the_own_organizations_rows(bravo_client, tenants, page):
    alpha = tenants[0]
    days = {r.planned_at.date() for r in Reminder.objects.filter(invoice__organization=alpha)}
    assert days  # ALPHA's open invoice has a plan that would show in its outbox
    url = reverse(f"admin:{page.name}")
    for query in [{}, *({"date": day.isoformat()} for day in sorted(days))]:
        response = (
            bravo_client.post(url, query)
            if page.name == "reminders_example"
            else bravo_client.get(url, query)
        )
        assert response.status_code == 200, url
        assert_no_alpha(response, alpha)


@pytest.mark.parametrize("move", ["pause", "resume"])
def test_the_organization_pause_acts_on_the_own_organization_only(bravo_client, tenants, move):
    bravo = tenants[1]
    bravo_client.post(reverse("admin:reminders_organization", args=[move]))
    assert list(ReminderPolicy.objects.values_list("organization", "enabled")) == [
        (bravo.pk, move == "resume")
    ]


@pytest.mark.parametrize("item", PLATFORM_ADMINS, ids=label)
def test_platform_pages_are_for_superusers_only(bravo_client, admin_user, item):
    model, _model_admin = item
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert bravo_client.get(url).status_code == 403
    operator = Client()
    operator.force_login(admin_user)
    assert operator.get(url).status_code == 200


def test_objects_created_in_the_admin_belong_to_the_current_organization(bravo_client, tenants):
    alpha, bravo = tenants
    response = bravo_client.post(
        reverse("admin:billing_customer_add"),
        {
            "organization": str(alpha.pk),
            "name": "Walk-in",
            "status": "ACTIVE",
            "email": "walk-in@example.com",
            "locale": "en",
            "preferred_channels": "email",
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Customer.objects.get(name="Walk-in")
    assert created.organization_id == bravo.pk


def test_a_member_of_several_organizations_chooses_one_at_login(client, tenants, django_user_model):
    alpha, bravo = tenants
    user = make_member(django_user_model, alpha, username="both")
    Membership.objects.create(user=user, organization=bravo, role="viewer")
    client.force_login(user)
    response = client.get(reverse("admin:billing_invoice_changelist"))
    assert response.status_code == 302
    assert response["Location"] == "/admin/workspace/?next=/admin/billing/invoice/"
    chooser = client.get(response["Location"])
    assert [o.name for o in chooser.context["choices"]] == ["ALPHA Org", "BRAVO Org"]
    chosen = client.post(
        "/admin/workspace/", {"organization": str(bravo.pk), "next": "/admin/billing/invoice/"}
    )
    assert chosen["Location"] == "/admin/billing/invoice/"
    page = client.get("/admin/billing/invoice/")
    assert {i.organization_id for i in page.context["cl"].result_list} == {bravo.pk}
    assert '<span class="workspace-current">BRAVO Org</span>' in page.content.decode()
    assert 'class="workspace-switch"' in page.content.decode()


def test_choosing_an_organization_one_is_not_a_member_of_is_a_404(bravo_client, tenants):
    response = bravo_client.post("/admin/workspace/", {"organization": str(tenants[0].pk)})
    assert response.status_code == 404
    assert bravo_client.session.get(SESSION_KEY) is None
    page = bravo_client.get("/admin/billing/customer/")
    assert {c.organization_id for c in page.context["cl"].result_list} == {tenants[1].pk}


def test_staff_without_a_membership_cannot_enter(client, tenants, django_user_model):
    user = django_user_model.objects.create_user("drifter", "d@example.com", "pw-12345")
    user.is_staff = True
    user.save()
    client.force_login(user)
    response = client.get("/admin/billing/invoice/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_superuser_sees_every_organization_or_chooses_one(admin_client, tenants):
    alpha, bravo = tenants
    page = admin_client.get("/admin/billing/customer/")
    assert {c.organization_id for c in page.context["cl"].result_list} == {alpha.pk, bravo.pk}
    assert '<span class="workspace-current">All organizations</span>' in page.content.decode()
    admin_client.post("/admin/workspace/", {"organization": str(alpha.pk)})
    page = admin_client.get("/admin/billing/customer/")
    assert {c.organization_id for c in page.context["cl"].result_list} == {alpha.pk}
    admin_client.post("/admin/workspace/", {"organization": ""})
    assert admin_client.session[SESSION_KEY] is None
