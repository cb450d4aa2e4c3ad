"""The collections pages of the admin: the reminder policy with its example plan, the invoice's
plan, the outbox with its pause buttons, "Needs attention" and the customer's time zone."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from billing.collections.models import FollowUp, Reminder, ReminderPolicy
from billing.collections.policy import policy_as_json, policy_for, reminder_policy_replace
from billing.collections.replies import invoice_apply_reply
from billing.models import Invoice, InvoiceEvent
from notifications.models import InboundReply, Message
from tests.billing.admin_support import make_member
from tests.factories import CustomerFactory, OrganizationFactory, make_invoice

pytestmark = pytest.mark.django_db
S = Reminder.Status
POLICY_URL = "/admin/collections/reminders/"
EXAMPLE_URL = "/admin/collections/reminders/example/"
OUTBOX_URL = "/admin/collections/outbox/"
ATTENTION_URL = "/admin/collections/attention/"


def everyday(org, **changes):
    """The defaults, with every weekday allowed (the tests do not depend on today's weekday)."""
    data = policy_as_json(policy_for(org)) | {"business_days": [1, 2, 3, 4, 5, 6, 7]} | changes
    return reminder_policy_replace(organization=org, data=data)


def login(client, django_user_model, org, role: str, username: str | None = None):
    client.force_login(make_member(django_user_model, org, username=username or role, role=role))
    return client


def tomorrow_in(zone: str) -> date:
    return timezone.now().astimezone(ZoneInfo(zone)).date() + timedelta(days=1)


def invoice_due(org, due: date, **customer_fields):
    customer_fields.setdefault("email", "jane@example.com")
    customer = CustomerFactory(organization=org, **customer_fields)
    return make_invoice(org, status="OPEN", customer=customer, due_date=due, delivery="MANUALLY")


def form_data(**changes) -> dict:
    data = {
        "enabled": "on",
        "channels": "preferred",
        "window_start": "09:00",
        "window_end": "18:00",
        "business_days": ["1", "2", "3", "4", "5"],
        "min_gap_hours": "48",
        "fallback_after_hours": "24",
        "pause_on_reply_days": "7",
        "steps-TOTAL_FORMS": "3",
        "steps-INITIAL_FORMS": "0",
        "steps-0-offset": "-3",
        "steps-1-offset": "0",
        "steps-2-offset": "",
        "holidays-TOTAL_FORMS": "1",
        "holidays-INITIAL_FORMS": "0",
        "holidays-0-day": "",
        "example-due_date": "2027-03-10",
        "example-zone": "Europe/Berlin",
    }
    return data | changes


# --- the policy page -------------------------------------------------------------------------
def test_an_admin_saves_the_policy_from_rows_checkboxes_and_dates(client, django_user_model, org):
    login(client, django_user_model, org, "admin")
    page = client.get(POLICY_URL)
    assert page.status_code == 200
    assert 'name="_save"' in page.content.decode()

    response = client.post(
        POLICY_URL,
        form_data(
            **{
                "_save": "1",
                "channels": "whatsapp,email",
                "window_end": "00:00",
                "business_days": ["6", "1"],
                "steps-2-offset": "14",
                "holidays-TOTAL_FORMS": "2",
                "holidays-0-day": "2026-12-25",
                "holidays-1-day": "2026-12-24",
                "min_gap_hours": "0",
            }
        ),
    )

    assert response.status_code == 302
    assert policy_as_json(ReminderPolicy.objects.get(organization=org)) == {
        "enabled": True,
        "steps": [-3, 0, 14],
        "channels": ["whatsapp", "email"],
        "send_window": {"start": "09:00", "end": "24:00"},
        "business_days": [1, 6],
        "holidays": ["2026-12-24", "2026-12-25"],
        "min_gap_hours": 0,
        "fallback_after_hours": 24,
        "pause_on_reply_days": 7,
    }
    entry = LogEntry.objects.get()
    assert (entry.user.username, entry.change_message) == ("admin", "Changed the reminder policy.")


@pytest.mark.parametrize(
    ("changes", "sentence"),
    [
        ({"steps-1-offset": "-3"}, "Offsets must be unique."),
        ({"steps-1-offset": "400"}, "Each offset must be between -60 and 365."),
        ({"window_start": "18:00", "window_end": "09:00"}, "End must be after start."),
        ({"min_gap_hours": "721"}, "Minimum gap (hours) must be a whole number from 0 to 720."),
        ({"steps-0-offset": "", "steps-1-offset": ""}, "Steps must have between 1 and 10 offsets."),
        ({"business_days": []}, "Tick at least one day."),
    ],
)
def test_a_wrong_policy_is_refused_in_words_and_nothing_changes(
    client, django_user_model, org, changes, sentence
):
    login(client, django_user_model, org, "admin")
    response = client.post(POLICY_URL, form_data(_save="1", **changes))

    assert response.status_code == 200
    assert sentence in response.content.decode()
    assert ReminderPolicy.objects.count() == 0


def test_a_clerk_sees_the_policy_but_cannot_save_it(client, django_user_model, org):
    login(client, django_user_model, org, "clerk")
    page = client.get(POLICY_URL).content.decode()
    assert 'name="_save"' not in page
    assert "Only an organization admin can change the reminder policy" in page

    response = client.post(POLICY_URL, form_data(_save="1"), follow=True)

    assert "Changing the reminder policy needs the admin role (you are clerk)." in (
        response.content.decode()
    )
    assert ReminderPolicy.objects.count() == 0


def test_the_example_plan_follows_the_unsaved_form(client, django_user_model, org):
    login(client, django_user_model, org, "viewer")
    # Due Wednesday 10 March 2027: -3 is Sunday 7th (not a business day) → Monday 8th; the due
    # date's step is 48 h after it → Wednesday 10th 09:00.
    berlin = client.post(EXAMPLE_URL, form_data()).content.decode()
    new_york = client.post(EXAMPLE_URL, form_data(**{"example-zone": "America/New_York"}))

    assert "Mon 08 Mar 2027, 09:00 CET" in berlin
    assert "Moved: Sun 07 Mar is not a sending day." in berlin
    assert "Wed 10 Mar 2027, 09:00 CET" in berlin
    assert "3 days before the due date" in berlin
    assert "Mon 08 Mar 2027, 09:00 EST" in new_york.content.decode()
    assert ReminderPolicy.objects.count() == 0


def test_the_example_says_when_the_minimum_gap_moved_a_step(client, django_user_model, org):
    login(client, django_user_model, org, "viewer")
    html = client.post(EXAMPLE_URL, form_data(**{"steps-1-offset": "-2"})).content.decode()

    assert "Wed 10 Mar 2027, 09:00 CET" in html  # -2 is Monday too, 48 h after -3's Monday
    assert "Moved: at least 48 hours after the message before it." in html


def test_an_example_at_the_end_of_the_calendar_is_not_an_error(client, django_user_model, org):
    login(client, django_user_model, org, "viewer")
    html = client.post(EXAMPLE_URL, form_data(**{"example-due_date": "9999-12-31"}))

    assert html.status_code == 200
    assert "example-rows" in html.content.decode()


def test_the_example_names_what_is_wrong_instead_of_a_plan(client, django_user_model, org):
    login(client, django_user_model, org, "viewer")
    html = client.post(EXAMPLE_URL, form_data(**{"steps-1-offset": "-3"})).content.decode()

    assert "Offsets must be unique." in html
    assert "example-rows" not in html


def test_the_example_of_a_past_due_date_says_its_steps_are_skipped(client, django_user_model, org):
    login(client, django_user_model, org, "viewer")
    html = client.post(EXAMPLE_URL, form_data(**{"example-due_date": "2020-01-10"}))

    assert html.content.decode().count("its day had already passed") == 2


# --- the invoice's plan ----------------------------------------------------------------------
def test_the_invoice_page_shows_its_plan_with_local_times_and_reasons(
    client, django_user_model, org
):
    everyday(org, steps=[-400 // 10, 1])  # -40 days: already past for an invoice due in 30
    due = timezone.now().astimezone(org.tzinfo).date() + timedelta(days=30)
    invoice = invoice_due(org, due, time_zone="Asia/Tokyo")
    login(client, django_user_model, org, "viewer")

    html = client.get(reverse("admin:billing_invoice_change", args=[invoice.pk])).content.decode()

    step_two = Reminder.objects.get(invoice=invoice, step=2)
    local = step_two.planned_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert f"{local:%a %d %b %Y}, 09:00 JST · Asia/Tokyo" in html
    assert "2. 1 day after the due date" in html
    assert "1. 40 days before the due date" in html
    assert "Skipped: its day had already passed when the invoice was issued." in html
    assert "Reminder plan" in html
    assert "Pause reminders" not in html  # a viewer may not pause


# --- the outbox ------------------------------------------------------------------------------
@pytest.fixture
def tomorrow_reminder(org):
    everyday(org, steps=[-1])
    day = tomorrow_in(org.time_zone)  # the outbox's "tomorrow" is the organization's
    invoice = invoice_due(
        org, day + timedelta(days=1), name="Nora Park", time_zone="America/New_York"
    )
    return invoice, day


def test_the_outbox_shows_tomorrows_reminders_in_the_customers_time(
    client, django_user_model, org, tomorrow_reminder
):
    invoice, day = tomorrow_reminder
    other = OrganizationFactory(name="Elsewhere")
    everyday(other, steps=[-1])
    invoice_due(other, day + timedelta(days=1), name="Somebody Else")
    login(client, django_user_model, org, "clerk")

    response = client.get(OUTBOX_URL, {"date": "tomorrow"})

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["day"] == day
    [entry] = response.context["going"]
    assert (entry["invoice"], entry["local_time"], entry["zone"]) == (
        invoice,
        "09:00",
        "America/New_York",
    )
    assert entry["amount_due"] == invoice.money(invoice.amount_due)
    assert entry["channel"] == "E-mail"
    assert entry["preview"]["email"]["subject"]
    assert "Nora Park" in entry["preview"]["email"]["text"]
    assert "Somebody Else" not in html
    assert "Pause this invoice" in html


def test_the_outbox_of_a_chosen_date_and_of_a_bad_one(
    client, django_user_model, org, tomorrow_reminder
):
    _invoice, day = tomorrow_reminder
    login(client, django_user_model, org, "viewer")

    chosen = client.get(OUTBOX_URL, {"date": day.isoformat()})
    bad = client.get(OUTBOX_URL, {"date": "31.12.2026"})
    edge = client.get(OUTBOX_URL, {"date": "9999-12-31"})

    assert len(chosen.context["going"]) == 1
    assert "Pause this invoice" not in chosen.content.decode()  # viewers see, never pause
    assert bad.status_code == 200
    assert bad.context["day"] == timezone.now().astimezone(org.tzinfo).date()
    assert (edge.status_code, edge.context["day"]) == (200, bad.context["day"])


def test_pausing_an_invoice_from_the_outbox_moves_it_to_paused_and_back(
    client, django_user_model, org, tomorrow_reminder
):
    invoice, _day = tomorrow_reminder
    login(client, django_user_model, org, "clerk")
    here = f"{OUTBOX_URL}?date=tomorrow"
    pause = reverse("admin:billing_invoice_reminders", args=[invoice.pk, "pause"])

    response = client.post(pause, {"next": here})

    assert response["Location"] == here
    assert list(invoice.reminders.values_list("status", flat=True)) == [S.PAUSED]
    page = client.get(here)
    assert page.context["going"] == []
    assert [e["invoice"] for e in page.context["paused"]] == [invoice]
    assert InvoiceEvent.objects.filter(
        invoice=invoice, note="Reminders paused until resumed"
    ).exists()

    client.post(
        reverse("admin:billing_invoice_reminders", args=[invoice.pk, "resume"]), {"next": here}
    )

    assert list(invoice.reminders.values_list("status", flat=True)) == [S.PLANNED]
    assert len(client.get(here).context["going"]) == 1


def test_a_pause_with_an_end_date_from_the_invoice_page(
    client, django_user_model, org, tomorrow_reminder
):
    invoice, day = tomorrow_reminder
    login(client, django_user_model, org, "clerk")
    url = reverse("admin:billing_invoice_reminders", args=[invoice.pk, "pause"])
    assert "Pause until" in client.get(url).content.decode()

    client.post(url, {"reminders_until": (day + timedelta(days=5)).isoformat()})

    invoice.refresh_from_db()
    assert (invoice.reminders_paused, invoice.reminders_paused_until) == (
        True,
        day + timedelta(days=5),
    )
    assert invoice.reminders.get().paused_until == day + timedelta(days=5)


def test_a_viewer_cannot_pause(client, django_user_model, org, tomorrow_reminder):
    invoice, _day = tomorrow_reminder
    login(client, django_user_model, org, "viewer")
    response = client.post(
        reverse("admin:billing_invoice_reminders", args=[invoice.pk, "pause"]), follow=True
    )

    assert "Pausing or resuming reminders needs the clerk role (you are viewer)." in (
        response.content.decode()
    )
    assert list(invoice.reminders.values_list("status", flat=True)) == [S.PLANNED]


def test_pausing_a_customer_pauses_every_open_invoice_of_theirs(
    client, django_user_model, org, tomorrow_reminder
):
    invoice, day = tomorrow_reminder
    second = make_invoice(
        org, status="OPEN", customer=invoice.customer, due_date=day + timedelta(days=1)
    )
    login(client, django_user_model, org, "clerk")

    client.post(reverse("admin:billing_customer_reminders", args=[invoice.customer.pk, "pause"]))

    statuses = Reminder.objects.filter(invoice__in=[invoice, second]).values_list(
        "status", flat=True
    )
    assert sorted(statuses) == [S.PAUSED, S.PAUSED]
    page = client.get(reverse("admin:billing_customer_change", args=[invoice.customer.pk]))
    assert "Paused until resumed" in page.content.decode()
    assert "Resume reminders…" in page.content.decode()


def test_only_an_admin_pauses_the_whole_organization(
    client, django_user_model, org, tomorrow_reminder, django_capture_on_commit_callbacks
):
    invoice, _day = tomorrow_reminder
    url = reverse("admin:reminders_organization", args=["pause"])
    login(client, django_user_model, org, "approver")
    client.post(url)
    assert policy_for(org).enabled is True

    login(client, django_user_model, org, "admin")
    with django_capture_on_commit_callbacks(execute=True):  # the re-plan job
        client.post(url, {"next": f"{OUTBOX_URL}?date=tomorrow"})

    assert ReminderPolicy.objects.get(organization=org).enabled is False
    assert list(invoice.reminders.values_list("status", flat=True)) == [S.PAUSED]
    page = client.get(OUTBOX_URL, {"date": "tomorrow"})
    assert "Reminders are paused for the whole organization" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:reminders_organization", args=["resume"]))
    assert ReminderPolicy.objects.get(organization=org).enabled is True
    assert list(invoice.reminders.values_list("status", flat=True)) == [S.PLANNED]


# --- needs attention -------------------------------------------------------------------------
def sent_message(invoice, **fields) -> Message:
    return Message.objects.create(
        tenant_id=invoice.organization_id,
        subject_type=ContentType.objects.get_for_model(Invoice),
        subject_id=str(invoice.pk),
        purpose="reminder",
        channel=fields.pop("channel", "whatsapp"),
        recipient="+4915112345678",
        **fields,
    )


def attention_of(client) -> dict:
    sections = client.get(ATTENTION_URL).context["sections"]
    return {s["kind"]: [row["invoice"] for row in s["items"]] for s in sections}


def test_a_dispute_is_resolved_by_an_approver_and_reminders_are_planned_again(
    client, django_user_model, org, tomorrow_reminder
):
    invoice, _day = tomorrow_reminder
    invoice_apply_reply(invoice_id=invoice.pk, action="dispute", text="Dispute")
    disputed_at = Invoice.objects.get(pk=invoice.pk).disputed_at
    assert list(invoice.reminders.values_list("status", flat=True)) == [S.PAUSED]
    url = reverse("admin:billing_invoice_attention", args=[invoice.pk, "resolve-dispute"])

    login(client, django_user_model, org, "clerk")
    assert attention_of(client)["dispute"] == [invoice]
    client.post(url, {"note": "Credit note agreed"})
    assert Invoice.objects.get(pk=invoice.pk).disputed_at == disputed_at  # a clerk cannot

    login(client, django_user_model, org, "approver")
    response = client.post(url, {"note": "Credit note agreed"})

    assert response["Location"] == ATTENTION_URL
    assert Invoice.objects.get(pk=invoice.pk).disputed_at is None
    assert list(invoice.reminders.values_list("status", flat=True)) == [S.PLANNED]
    assert InvoiceEvent.objects.filter(
        invoice=invoice, note="Dispute resolved: Credit note agreed", actor_label="user:approver"
    ).exists()
    assert attention_of(client)["dispute"] == []


def test_resolving_a_dispute_needs_a_note(client, django_user_model, org, tomorrow_reminder):
    invoice, _day = tomorrow_reminder
    invoice_apply_reply(invoice_id=invoice.pk, action="dispute", text="Dispute")
    disputed_at = Invoice.objects.get(pk=invoice.pk).disputed_at
    login(client, django_user_model, org, "approver")
    url = reverse("admin:billing_invoice_attention", args=[invoice.pk, "resolve-dispute"])

    response = client.post(url, {"note": " "}, follow=True)

    assert "Say how the dispute was resolved." in response.content.decode()
    assert Invoice.objects.get(pk=invoice.pk).disputed_at == disputed_at


def test_a_paid_already_reply_is_checked_and_may_resume_reminders(
    client, django_user_model, org, tomorrow_reminder
):
    invoice, _day = tomorrow_reminder
    message = sent_message(invoice)
    reply = InboundReply.objects.create(
        provider="1msg",
        reply_id="r-1",
        tenant_id=org.pk,
        sender="+4915112345678",
        is_button=True,
        action="paid",
        text="Paid already",
        message=message,
    )
    invoice_apply_reply(invoice_id=invoice.pk, action="paid", text="Paid already")
    login(client, django_user_model, org, "clerk")
    assert attention_of(client)["payment_check"] == [invoice]
    url = reverse("admin:billing_invoice_attention", args=[invoice.pk, "payment-checked"])

    client.post(url, {"reply_id": str(reply.pk), "note": "Not in the bank", "resume": "1"})

    assert FollowUp.objects.get().ref == str(reply.pk)
    assert list(invoice.reminders.values_list("status", flat=True)) == [S.PLANNED]
    assert InvoiceEvent.objects.filter(
        invoice=invoice,
        note='"Paid already" reply no payment found, reminders resumed: Not in the bank',
    ).exists()
    assert attention_of(client)["payment_check"] == []
    again = client.post(url, {"reply_id": str(reply.pk)}, follow=True)
    assert "Someone has dealt with this already." in again.content.decode()


def test_a_reply_of_another_invoice_cannot_be_checked_through_this_one(
    client, django_user_model, org, tomorrow_reminder
):
    invoice, day = tomorrow_reminder
    other = invoice_due(OrganizationFactory(), day)
    reply = InboundReply.objects.create(
        provider="1msg",
        reply_id="r-2",
        tenant_id=other.organization_id,
        sender="+49151",
        action="paid",
        message=sent_message(other),
    )
    login(client, django_user_model, org, "clerk")
    url = reverse("admin:billing_invoice_attention", args=[invoice.pk, "payment-checked"])

    response = client.post(url, {"reply_id": str(reply.pk)}, follow=True)

    assert "No such reply to this invoice" in response.content.decode()
    assert FollowUp.objects.count() == 0


def test_a_promise_that_is_due_is_followed_up(client, django_user_model, org, tomorrow_reminder):
    invoice, _day = tomorrow_reminder
    today = timezone.now().astimezone(org.tzinfo).date()
    Invoice.objects.filter(pk=invoice.pk).update(promise_to_pay_until=today - timedelta(days=1))
    later = invoice_due(org, today + timedelta(days=40))
    Invoice.objects.filter(pk=later.pk).update(promise_to_pay_until=today + timedelta(days=3))
    login(client, django_user_model, org, "clerk")
    assert attention_of(client)["promise_due"] == [invoice]

    client.post(
        reverse("admin:billing_invoice_attention", args=[invoice.pk, "promise-followed-up"]),
        {"note": "Called, pays Friday"},
    )

    assert Invoice.objects.get(pk=invoice.pk).promise_to_pay_until is None
    assert attention_of(client)["promise_due"] == []
    assert InvoiceEvent.objects.filter(
        invoice=invoice, note__startswith="Promise to pay by"
    ).exists()


def test_a_failed_fallback_is_handled(client, django_user_model, org, tomorrow_reminder):
    invoice, _day = tomorrow_reminder
    first = sent_message(invoice, status="failed")
    fallback = sent_message(invoice, channel="email", status="bounced", fallback_of=first, key="x")
    login(client, django_user_model, org, "clerk")
    [row] = client.get(ATTENTION_URL).context["sections"][3]["items"]
    assert row["invoice"] == invoice
    assert row["detail"] == (
        "The whatsapp message and the email one after it both ended bounced: "
        "the customer has not been reached."
    )

    client.post(
        reverse("admin:billing_invoice_attention", args=[invoice.pk, "fallback-handled"]),
        {"message_id": str(fallback.pk), "note": "New e-mail address"},
    )

    assert FollowUp.objects.get().invoice == invoice
    assert attention_of(client)["failed_fallback"] == []


# --- the customer's time zone and the links ---------------------------------------------------
def test_the_customers_time_zone_is_a_choice(client, django_user_model, org):
    customer = CustomerFactory(organization=org, email="c@example.com")
    login(client, django_user_model, org, "clerk")
    url = reverse("admin:billing_customer_change", args=[customer.pk])
    page = client.get(url).content.decode()
    assert '<option value="Asia/Tokyo">Asia/Tokyo (UTC+09:00)</option>' in page
    assert "The organization&#x27;s time zone (Europe/Berlin)" in page

    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "organization"}
    data |= {
        "time_zone": "Asia/Tokyo",
        "preferred_channels": "email",
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
    }
    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    customer.refresh_from_db()
    assert customer.time_zone == "Asia/Tokyo"


def test_the_home_page_links_the_collections_pages(client, django_user_model, org):
    login(client, django_user_model, org, "viewer")
    html = client.get("/admin/").content.decode()

    for url, name in (
        (POLICY_URL, "Reminders"),
        (OUTBOX_URL, "Outbox"),
        (ATTENTION_URL, "Needs attention"),
    ):
        assert f'<a href="{url}">{name}</a>' in html


def test_a_superuser_looking_at_every_organization_is_asked_to_choose(admin_client):
    for url in (POLICY_URL, OUTBOX_URL, ATTENTION_URL):
        assert "Choose an organization" in admin_client.get(url).content.decode()


def test_planned_times_are_in_utc_in_the_database(org, tomorrow_reminder):
    invoice, day = tomorrow_reminder
    planned = invoice.reminders.get().planned_at
    assert planned.astimezone(UTC) == datetime.combine(
        day, datetime.min.time().replace(hour=9), tzinfo=ZoneInfo("America/New_York")
    ).astimezone(UTC)
