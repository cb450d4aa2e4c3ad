"""The delivery log as a finance clerk uses it: columns, filters, search, retries that explain
themselves, "send by e-mail instead", the invoice list's delivery column; roles and tenancy."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.urls import reverse

from billing.models import Invoice
from billing.services.actors import Actor
from billing.services.delivery_summary import record_message_status
from billing.services.whatsapp import invoice_send_whatsapp
from notifications import pipeline
from notifications import status as st
from notifications.admin import messages as message_admin
from notifications.channels.base import SendOutcome
from notifications.models import ErrorText, Message
from tests.billing.admin_support import make_member
from tests.notifications.whatsapp_support import customer, seed_invoice, seed_org

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stub_channel")]
LOG = reverse("admin:notifications_message_changelist")
INVOICES = reverse("admin:billing_invoice_changelist")
ACTOR = Actor(label="test")
UNDELIVERABLE = SendOutcome.failed("131026", "(#131026) Message undeliverable")


def whatsapp(invoice, outcome: SendOutcome | None = UNDELIVERABLE) -> Message:
    """The invoice's WhatsApp message, through the pipeline, ending in ``outcome``."""
    message = invoice_send_whatsapp(invoice=invoice, actor=ACTOR).message
    if outcome is not None:
        pipeline.apply_outcome(pipeline.claim(message.pk), outcome)
    return Message.objects.get(pk=message.pk)


def shown(response) -> list:
    assert response.status_code == 200
    return [m.pk for m in response.context["cl"].result_list]


@pytest.fixture
def acme():
    """Two invoices of Acme: Alexey's WhatsApp undeliverable, Maria's accepted then read."""
    org = seed_org()
    alexey = seed_invoice(org)
    maria = seed_invoice(org, customer=customer(org, name="Maria Petrova", phone="+79005550123"))
    failed = whatsapp(alexey)
    read = whatsapp(maria, SendOutcome.accepted("wamid.1"))
    st.transition(read.pk, st.READ, source="webhook")
    return org, alexey, maria, failed, Message.objects.get(pk=read.pk)


@pytest.fixture
def clerk_client(client, django_user_model, acme):
    client.force_login(make_member(django_user_model, acme[0], username="clerk", role="clerk"))
    return client


def test_a_message_is_named_by_its_invoice_and_customer(acme):
    _org, alexey, _maria, failed, _read = acme
    assert (failed.subject_label, failed.recipient_name, failed.recipient_ref) == (
        "INV-2024-0842",
        "Alexey",
        str(alexey.customer_id),
    )
    assert (failed.recipient_suffix, failed.error_kind) == ("4567", "unreachable")


def test_the_list_shows_invoice_customer_channel_purpose_status_and_error(clerk_client, acme):
    _org, alexey, _maria, _failed, _read = acme
    html = clerk_client.get(LOG).content.decode()
    invoice_url = reverse("admin:billing_invoice_change", args=[alexey.pk])
    assert f'<a href="{invoice_url}">INV-2024-0842</a>' in html
    assert f'<a href="?recipient={alexey.customer_id}">Alexey</a>' in html
    assert '<td class="field-purpose_column">Invoice</td>' in html
    assert '<span class="message-status tone-problem" data-status="failed">Failed</span>' in html
    assert "Number or address cannot receive it: (#131026) Message undeliverable" in html
    assert '<span class="message-status tone-good" data-status="read">Read</span>' in html


def test_each_filter_narrows_to_exactly_its_rows(clerk_client, acme):
    _org, alexey, maria, failed, read = acme
    assert shown(clerk_client.get(LOG, {"problems": "yes"})) == [failed.pk]
    assert shown(clerk_client.get(LOG, {"status": "read"})) == [read.pk]
    assert shown(clerk_client.get(LOG, {"error_kind": "unreachable"})) == [failed.pk]
    assert shown(clerk_client.get(LOG, {"error_kind": "opted_out"})) == []
    assert shown(clerk_client.get(LOG, {"channel": "email"})) == []
    assert set(shown(clerk_client.get(LOG, {"channel": "whatsapp"}))) == {failed.pk, read.pk}
    assert set(shown(clerk_client.get(LOG, {"purpose": "invoice_issued"}))) == {
        failed.pk,
        read.pk,
    }
    assert shown(clerk_client.get(LOG, {"subject": str(maria.pk)})) == [read.pk]
    chosen = clerk_client.get(LOG, {"recipient": str(alexey.customer_id)})
    assert shown(chosen) == [failed.pk]
    assert "By customer" in chosen.content.decode()


@pytest.mark.parametrize(
    ("term", "which"),
    [
        ("INV-2024-0842", "failed"),
        ("inv-2024-0842", "failed"),
        ("Maria", "read"),
        ("petrov", "read"),
        ("…4567", "failed"),
        ("...0123", "read"),
        ("0123", "read"),
        ("undeliverable", "failed"),
        ("cannot receive", "failed"),
        ("wamid.1", "read"),  # the provider's id, exactly
        ("WAMID.1", None),
        ("nobody", None),
    ],
)
def test_search_by_number_name_phone_suffix_and_error_text(clerk_client, acme, term, which):
    expected = {"failed": [acme[3].pk], "read": [acme[4].pk], None: []}[which]
    assert shown(clerk_client.get(LOG, {"q": term})) == expected


def test_each_error_is_noted_once_per_organization_for_the_text_search(acme):
    org, alexey, _maria, _failed, _read = acme
    whatsapp(seed_invoice(org, customer=alexey.customer))  # the same error again
    other = seed_org()
    whatsapp(seed_invoice(other))

    noted = ErrorText.objects.order_by("tenant_id").values_list("tenant_id", "code", "text")
    assert sorted(noted) == sorted(
        [
            (org.pk, "131026", "(#131026) Message undeliverable"),
            (other.pk, "131026", "(#131026) Message undeliverable"),
        ]
    )


def test_an_error_search_past_the_distinct_texts_limit_reads_the_texts(
    clerk_client, acme, monkeypatch
):
    org, _alexey, _maria, failed, _read = acme
    other = seed_invoice(org, customer=customer(org, name="Ivan", phone="+79005550999"))
    varied = whatsapp(other, SendOutcome.failed("131026", "Message undeliverable to +7900"))
    monkeypatch.setattr(message_admin, "ERROR_TEXTS", 1)

    assert set(shown(clerk_client.get(LOG, {"q": "undeliverable"}))) == {failed.pk, varied.pk}


def test_another_organizations_messages_are_not_found_by_any_door(client, django_user_model):
    ours, theirs = seed_org(), seed_org()
    mine = whatsapp(seed_invoice(ours))
    other_invoice = seed_invoice(theirs, customer=customer(theirs, name="Zed Secret"))
    other = whatsapp(other_invoice)
    client.force_login(make_member(django_user_model, ours, username="viewer", role="viewer"))
    assert shown(client.get(LOG)) == [mine.pk]
    assert shown(client.get(LOG, {"q": "Zed"})) == []
    refused = client.get(LOG, {"recipient": str(other_invoice.customer_id)})
    assert shown(refused) == [] and "Zed Secret" not in refused.content.decode()
    change = reverse("admin:notifications_message_change", args=[other.pk])
    assert client.get(change).status_code == 404


def test_a_viewer_sees_the_log_but_cannot_retry(client, django_user_model, acme):
    client.force_login(make_member(django_user_model, acme[0], username="v", role="viewer"))
    response = client.get(LOG)
    assert shown(response) == [acme[4].pk, acme[3].pk]
    assert response.context["action_form"] is None  # no retry, resend or e-mail instead
    data = {"action": "retry_failed", ACTION_CHECKBOX_NAME: [str(acme[3].pk)], "confirmed": "yes"}
    client.post(LOG, data)
    assert Message.objects.count() == 2


def test_the_retry_confirmation_names_invoice_customer_and_error(clerk_client, acme):
    org = acme[0]
    invoice = seed_invoice(org, customer=customer(org, name="Olga", phone="+79005550777"))
    refused = whatsapp(invoice, SendOutcome.failed("http_400", "Bad request body"))
    data = {"action": "retry_failed", ACTION_CHECKBOX_NAME: [str(refused.pk)]}
    page = clerk_client.post(LOG, data).content.decode()
    row = (
        f"<tr><td>{refused.subject_label}</td><td>Olga</td><td>WhatsApp</td><td>Invoice</td>"
        "<td>Failed</td><td>Refused by the provider: Bad request body</td>"
    )
    assert row in page and "Yes, send 1 again" in page
    assert Message.objects.filter(subject_id=str(invoice.pk)).count() == 1


def test_retrying_a_final_error_says_it_will_fail_and_offers_email(
    clerk_client, acme, django_capture_on_commit_callbacks
):
    _org, alexey, _maria, failed, _read = acme
    data = {"action": "retry_failed", ACTION_CHECKBOX_NAME: [str(failed.pk)]}
    page = clerk_client.post(LOG, data).content.decode()
    assert "A retry will fail for 1 message(s)" in page
    assert "<td>INV-2024-0842</td><td>Alexey</td><td>WhatsApp</td>" in page
    assert "The recipient cannot be reached on this channel: a retry will fail" in page
    assert 'value="Send these invoices by e-mail instead"' in page
    assert "Yes, send" not in page
    # confirming the retry anyway sends nothing
    clerk_client.post(LOG, {**data, "confirmed": "yes"})
    assert Message.objects.filter(subject_id=str(alexey.pk)).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        done = clerk_client.post(
            LOG, {"action": "email_instead", ACTION_CHECKBOX_NAME: [str(failed.pk)]}, follow=True
        )
    email = Message.objects.get(subject_id=str(alexey.pk), channel="email")
    assert (email.purpose, email.status, email.created_by) == (
        "invoice_issued",
        "sent",
        "user:clerk",
    )
    assert [m.to for m in mail.outbox] == [[email.recipient]]
    assert f"Invoice INV-2024-0842: e-mail queued to {email.recipient}." in done.content.decode()


def test_a_rejected_send_from_the_invoice_page_is_an_error_not_green(admin_client):
    invoice = seed_invoice(consent=False)
    page = admin_client.post(
        reverse("admin:billing_invoice_send_whatsapp", args=[invoice.pk]), follow=True
    )
    flashes = [(m.level_tag, m.message) for m in page.context["messages"]]
    assert flashes == [
        (
            "error",
            "WhatsApp message not sent: The customer has not opted in to WhatsApp messages.",
        )
    ]


def test_the_invoice_list_shows_the_best_status_per_channel_and_filters_problems(
    clerk_client, acme
):
    org, alexey, maria, _failed, read = acme
    # a later reminder to Maria bounces: the invoice message she read still counts
    reminder = pipeline.request_send(
        tenant_id=org.pk,
        subject=maria,
        purpose="reminder",
        channel="whatsapp",
        recipient="+79005550123",
        context={"customer_name": "Maria"},
        key="step:0",
    ).message
    assert reminder.status == st.REJECTED  # no reminder template: refused, with its reason
    # the hook's subscriber, as the commit of each status change runs it
    for message in Message.objects.all():
        record_message_status(message_id=message.pk)
    html = clerk_client.get(INVOICES).content.decode()
    assert 'WhatsApp: <span class="message-status tone-good" data-status="read">Read</span>' in (
        html
    )
    problems = clerk_client.get(INVOICES, {"delivery": "problems"})
    assert [i.pk for i in problems.context["cl"].result_list] == [alexey.pk]
    reached = clerk_client.get(INVOICES, {"delivery": "reached"})
    assert [i.pk for i in reached.context["cl"].result_list] == [maria.pk]
    assert Invoice.objects.filter(organization=org).count() == 2
    assert ContentType.objects.get_for_id(read.subject_type_id).model_class() is Invoice
