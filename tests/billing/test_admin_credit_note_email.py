"""The credit note's page in the admin: "Send by e-mail" behind a confirmation naming the
recipients, once; the issue form's "E-mail it to the customer"; the delivery log's link."""

import pytest
from django.core import mail
from django.urls import reverse

from billing.models import CreditNote
from billing.services.actors import Actor
from billing.services.credit_notes import credit_note_issue
from notifications.models import Message
from tests.billing.admin_support import make_member
from tests.factories import CustomerFactory, OrganizationFactory, make_invoice
from tests.notifications.email_support import sync_queue  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sync_queue")]


def note_of(org) -> CreditNote:
    customer = CustomerFactory(organization=org, name="Alexey", email="alexey@example.com")
    invoice = make_invoice(org, status="OPEN", customer=customer, lines=((250000, 1),))
    return credit_note_issue(
        invoice=invoice, reason="ORDER_CHANGE", amount=10000, memo="Hosting", actor=Actor()
    )


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Acme Ltd", default_currency="USD")


@pytest.fixture
def clerk(client, org, django_user_model):
    client.force_login(make_member(django_user_model, org, username="clara", role="clerk"))
    return client


def page_url(note) -> str:
    return reverse("admin:billing_invoice_credit_note_page", args=[note.invoice_id, note.pk])


def email_url(note) -> str:
    return reverse("admin:billing_invoice_credit_note_email", args=[note.invoice_id, note.pk])


def test_the_clerk_confirms_and_the_credit_note_is_emailed_once(
    clerk, org, django_capture_on_commit_callbacks
):
    note = note_of(org)
    change = clerk.get(reverse("admin:billing_invoice_change", args=[note.invoice_id]))
    assert page_url(note) in change.content.decode()  # the inline's number links to its page

    page = clerk.get(page_url(note)).content.decode()
    assert "Not e-mailed yet." in page and email_url(note) in page
    assert "100.00 USD" in page and "Order change" in page

    confirm = clerk.get(email_url(note)).content.decode()
    assert "Credit note CN-000001 and its PDF go to <strong>alexey@example.com</strong>" in confirm
    assert "Credit note CN-000001 from Acme Ltd" in confirm  # the preview's subject

    with django_capture_on_commit_callbacks(execute=True):
        sent = clerk.post(email_url(note), follow=True)
    assert [str(m) for m in sent.context["messages"]] == [
        "Credit note CN-000001 is on its way by e-mail to alexey@example.com."
    ]
    assert "Queued: e-mailed to alexey@example.com" in sent.content.decode()
    message = Message.objects.get(purpose="credit_note_issued")
    assert (message.status, mail.outbox[0].attachments[0][0]) == ("sent", "CN-000001.pdf")
    page = clerk.get(page_url(note)).content.decode()
    assert "Sent: e-mailed to alexey@example.com" in page
    assert reverse("admin:notifications_message_change", args=[message.pk]) in page
    assert email_url(note) not in page  # nothing more to offer

    with django_capture_on_commit_callbacks(execute=True):
        again = clerk.post(email_url(note), follow=True)
    assert [str(m) for m in again.context["messages"]] == [
        "Credit note CN-000001 was e-mailed already (sent)."
    ]
    assert len(mail.outbox) == 1
    assert Message.objects.filter(purpose="credit_note_issued").count() == 1


def test_the_delivery_log_shows_a_credit_note_and_links_to_it(
    clerk, org, django_capture_on_commit_callbacks
):
    note = note_of(org)
    with django_capture_on_commit_callbacks(execute=True):
        clerk.post(email_url(note))
    message = Message.objects.get(purpose="credit_note_issued")
    listing = clerk.get(reverse("admin:notifications_message_changelist")).content.decode()
    by_id = reverse("admin:billing_invoice_credit_note_by_id", args=[note.pk])
    assert f'<a href="{by_id}">CN-000001</a>' in listing
    assert '<td class="field-purpose_column">Credit note</td>' in listing
    detail = clerk.get(reverse("admin:notifications_message_change", args=[message.pk]))
    invoice_url = reverse("admin:billing_invoice_change", args=[note.invoice_id])
    assert (
        f'Credit note <a href="{by_id}">CN-000001</a> on invoice '
        f'<a href="{invoice_url}">{note.invoice}</a>'
    ) in detail.content.decode()
    followed = clerk.get(by_id)
    assert (followed.status_code, followed["Location"]) == (302, page_url(note))


def test_issuing_with_the_email_box_ticked_sends_it(
    client, org, django_user_model, django_capture_on_commit_callbacks
):
    client.force_login(make_member(django_user_model, org, username="ava", role="approver"))
    customer = CustomerFactory(organization=org, name="Alexey", email="alexey@example.com")
    invoice = make_invoice(org, status="OPEN", customer=customer, lines=((250000, 1),))
    url = reverse("admin:billing_invoice_credit_note", args=[invoice.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"reason": "DUPLICATE", "amount": "25", "send_email": "on"}, follow=True
        )
    assert [str(m) for m in response.context["messages"]] == [
        "Credit note CN-000001 issued.",
        "Credit note CN-000001 is on its way by e-mail to alexey@example.com.",
    ]
    assert [m.subject for m in mail.outbox] == ["Credit note CN-000001 from Acme Ltd"]
    assert "25.00 USD" in mail.outbox[0].body


def test_a_viewer_is_not_offered_the_send_and_cannot_post_it(client, org, django_user_model):
    note = note_of(org)
    client.force_login(make_member(django_user_model, org, username="vic", role="viewer"))
    assert email_url(note) not in client.get(page_url(note)).content.decode()
    assert client.post(email_url(note)).status_code == 403
    assert not Message.objects.filter(purpose="credit_note_issued").exists()


def test_another_organizations_credit_note_is_a_404(clerk, org):
    other = note_of(OrganizationFactory(name="Other Org"))
    by_id = reverse("admin:billing_invoice_credit_note_by_id", args=[other.pk])
    for url in (page_url(other), email_url(other), by_id):
        assert clerk.get(url).status_code == 404
    assert clerk.post(email_url(other)).status_code == 404
    assert not Message.objects.filter(purpose="credit_note_issued").exists() and mail.outbox == []
