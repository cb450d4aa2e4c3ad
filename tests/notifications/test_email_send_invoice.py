"""SendInvoice semantics: tokens, the default template, sender, recipients, ccMe, contacts."""

import pytest
from django.core import mail

from billing.errors import IllegalTransition, InvalidEmailRequest
from billing.models import CustomerContact, Membership
from billing.services.actors import Actor
from billing.services.invoice_email import SendInvoiceEmail, invoice_send_email
from billing.services.roles import membership_set
from notifications.models import DefaultEmailTemplate, Message
from notifications.templating.errors import InvalidTemplateData
from tests.factories import OrganizationFactory, make_invoice
from tests.notifications.email_support import issued_invoice, sync_queue  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sync_queue")]

API = Actor(label="api:ck_test")


def send(invoice, capture, actor=API, **request):
    with capture(execute=True):
        result = invoice_send_email(
            invoice=invoice, actor=actor, request=SendInvoiceEmail(**request)
        )
    result.message.refresh_from_db()
    return result.message


def test_tokens_are_replaced_in_subject_and_body(django_capture_on_commit_callbacks):
    invoice = issued_invoice()
    message = send(
        invoice,
        django_capture_on_commit_callbacks,
        subject="{:Invoice.Number:} for {:Customer.Name:}",
        body=(
            "Dear {:Customer.Name:},\n{:Invoice.Number:} asks {:Invoice.AmountDue:} "
            "by {:Invoice.DueDate:}.\nPay: {:Link_Pay_Invoice:}"
        ),
    )
    sent = mail.outbox[-1]
    due = message.payload["data"]["invoice"]["dueDate"]
    assert sent.subject == "INV-000001 for Jane Doe"
    pay_url = f"http://127.0.0.1:8000/pay/{invoice.payment_token}/"
    assert f"Dear Jane Doe,\nINV-000001 asks 2,549.99 USD by {due}.\nPay: {pay_url}" in sent.body
    html = sent.alternatives[0][0]
    assert "Dear Jane Doe,<br>INV-000001 asks 2,549.99 USD" in html
    assert "{:" not in sent.subject + sent.body + html
    assert message.status == "sent"


def test_default_template_of_the_organization_when_neither_subject_nor_body(
    django_capture_on_commit_callbacks,
):
    invoice = issued_invoice()
    DefaultEmailTemplate.objects.create(
        tenant_id=invoice.organization_id,
        sender_name="Acme Billing",
        sender_email="billing@acme.test",
        subject="Acme invoice {:Invoice.Number:}",
        body="Hi {:Customer.Name:}, {:Invoice.AmountDue:} is due.",
    )
    send(invoice, django_capture_on_commit_callbacks)
    sent = mail.outbox[-1]
    assert sent.subject == "Acme invoice INV-000001"
    assert "Hi Jane Doe, 2,549.99 USD is due." in sent.body
    assert sent.from_email == "Acme Billing <billing@localhost>"
    assert sent.reply_to == ["billing@acme.test"]


def test_built_in_default_when_the_organization_has_none(django_capture_on_commit_callbacks):
    invoice = issued_invoice()
    send(invoice, django_capture_on_commit_callbacks, subject="", body="")
    assert mail.outbox[-1].subject == "Invoice INV-000001 from Acme Ltd"
    assert "Hello Jane Doe," in mail.outbox[-1].body


@pytest.mark.parametrize("given", [{"subject": "Only a subject"}, {"body": "Only a body"}])
def test_subject_without_body_or_body_without_subject_is_refused(
    given, django_capture_on_commit_callbacks
):
    invoice = issued_invoice()
    with pytest.raises(InvalidEmailRequest) as caught:
        send(
            invoice,
            django_capture_on_commit_callbacks,
            to_email_addresses=["new@example.com"],
            **given,
        )
    assert caught.value.status_code == 400
    assert caught.value.messages == [
        "subject and body must be given together (or neither, for the default template)"
    ]
    assert Message.objects.count() == 0 and mail.outbox == []
    assert not CustomerContact.objects.filter(email="new@example.com").exists()


def test_to_email_addresses_replace_the_customer_contacts_and_new_ones_become_contacts(
    django_capture_on_commit_callbacks,
):
    invoice = issued_invoice()
    send(
        invoice,
        django_capture_on_commit_callbacks,
        to_email_addresses=["ap@example.com", "cfo@example.com", "CFO@example.com"],
    )
    assert mail.outbox[-1].to == ["ap@example.com", "cfo@example.com"]
    contacts = sorted(invoice.customer.contacts.values_list("email", flat=True))
    assert contacts == ["ap@example.com", "cfo@example.com"]


def test_without_to_addresses_the_invoice_goes_to_the_customer_and_contacts(
    django_capture_on_commit_callbacks,
):
    invoice = issued_invoice()
    message = send(invoice, django_capture_on_commit_callbacks)
    assert mail.outbox[-1].to == ["jane@example.com", "ap@example.com"]
    assert message.recipient == "jane@example.com"
    assert invoice.customer.contacts.count() == 1


def test_cc_me_copies_the_requesting_user(django_capture_on_commit_callbacks, django_user_model):
    clerk = django_user_model.objects.create_user("clerk", "clerk@acme.test", is_staff=True)
    invoice = issued_invoice()
    membership_set(user=clerk, organization=invoice.organization, role="clerk")
    send(invoice, django_capture_on_commit_callbacks, actor=Actor.for_user(clerk), cc_me=True)
    assert mail.outbox[-1].cc == ["clerk@acme.test"]


def test_cc_me_from_the_api_copies_the_sender(django_capture_on_commit_callbacks):
    invoice = issued_invoice()
    send(invoice, django_capture_on_commit_callbacks, cc_me=True)
    assert mail.outbox[-1].cc == ["billing@localhost"]
    send(invoice, django_capture_on_commit_callbacks, cc_me=False)
    assert mail.outbox[-1].cc == []


def test_from_user_id_names_the_sender_and_takes_replies(
    django_capture_on_commit_callbacks, django_user_model
):
    staff = django_user_model.objects.create_user(
        "ann", "ann@acme.test", first_name="Ann", last_name="Lee", is_staff=True
    )
    invoice = issued_invoice()
    Membership.objects.create(user=staff, organization=invoice.organization)
    send(invoice, django_capture_on_commit_callbacks, from_user_id=staff.pk, cc_me=True)
    sent = mail.outbox[-1]
    assert sent.from_email == "Ann Lee <billing@localhost>"
    assert sent.reply_to == ["ann@acme.test"]
    assert sent.cc == ["ann@acme.test"]


def test_from_user_id_must_be_an_active_staff_member_of_the_organization(
    django_capture_on_commit_callbacks, django_user_model
):
    invoice = issued_invoice()
    member = {"organization": invoice.organization}
    users = django_user_model.objects
    outsider = users.create_user("eve", "eve@example.com")
    Membership.objects.create(user=outsider, **member)  # a member, but not staff
    foreign = users.create_user("fay", "fay@other.test", is_staff=True)
    Membership.objects.create(user=foreign, organization=OrganizationFactory())
    inactive = users.create_user("gus", "gus@acme.test", is_staff=True, is_active=False)
    Membership.objects.create(user=inactive, **member)
    no_address = users.create_user("hal", "", is_staff=True)
    Membership.objects.create(user=no_address, **member)
    for bad in (outsider.pk, foreign.pk, inactive.pk, no_address.pk, 999_999, "abc", True):
        with pytest.raises(InvalidEmailRequest) as caught:
            send(invoice, django_capture_on_commit_callbacks, from_user_id=bad)
        assert caught.value.messages == [
            "fromUserId must name an active staff member of your organization with an "
            "e-mail address"
        ]
    assert Message.objects.count() == 0 and mail.outbox == []


def test_invalid_addresses_and_template_limits_are_refused_before_anything_is_created(
    django_capture_on_commit_callbacks,
):
    invoice = issued_invoice()
    with pytest.raises(InvalidEmailRequest, match="'not-an-address' is not a valid e-mail address"):
        send(invoice, django_capture_on_commit_callbacks, to_email_addresses=["not-an-address"])
    with pytest.raises(InvalidTemplateData) as caught:
        send(
            invoice,
            django_capture_on_commit_callbacks,
            subject="x" * 181,
            body="y" * 1001,
            to_email_addresses=["new@example.com"],
        )
    assert caught.value.messages == [
        "Intro must be 1000 characters or fewer.",
        "Subject must be 180 characters or fewer.",
    ]
    assert Message.objects.count() == 0
    assert not CustomerContact.objects.filter(email="new@example.com").exists()


def test_drafts_cannot_be_sent(django_capture_on_commit_callbacks):
    draft = make_invoice()
    with pytest.raises(IllegalTransition):
        send(draft, django_capture_on_commit_callbacks)


def test_an_explicit_send_supersedes_the_settled_one_and_keeps_both_in_the_log(
    django_capture_on_commit_callbacks,
):
    invoice = issued_invoice()
    first = send(invoice, django_capture_on_commit_callbacks)
    second = send(invoice, django_capture_on_commit_callbacks)
    first.refresh_from_db()
    assert first.pk != second.pk
    assert (first.is_active, first.status, second.is_active, second.status) == (
        False,
        "sent",
        True,
        "sent",
    )
    assert first.events.last().detail == {"action": "superseded by a new send", "by": "api:ck_test"}
    assert len(mail.outbox) == 2


def test_a_second_request_while_the_first_is_queued_returns_it(django_capture_on_commit_callbacks):
    invoice = issued_invoice()
    first = invoice_send_email(invoice=invoice, actor=API)  # not committed: still queued
    second = invoice_send_email(invoice=invoice, actor=API)
    assert (second.created, second.message.pk) == (False, first.message.pk)
    assert Message.objects.count() == 1
