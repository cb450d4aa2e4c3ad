"""Admin: the invoice e-mail page (preview, problems before Send, test to me, send), template
versions with their schema, and the per-organization default template."""

import html

import pytest
from django.core import mail

from notifications.models import DefaultEmailTemplate, Message, TemplateVersion
from tests.notifications.email_support import EVIL, issued_invoice, sync_queue  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sync_queue")]


def email_url(invoice):
    return f"/admin/billing/invoice/{invoice.pk}/email/"


def test_the_change_page_links_to_the_email_page(admin_client):
    invoice = issued_invoice()
    page = admin_client.get(f"/admin/billing/invoice/{invoice.pk}/change/").content.decode()
    assert f'href="{email_url(invoice)}" class="send-email"' in page


def test_preview_shows_subject_preheader_sandboxed_html_and_text(admin_client):
    invoice = issued_invoice(customer_name=EVIL)
    response = admin_client.get(email_url(invoice))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<span id="preview-subject">Invoice INV-000001 from Acme Ltd</span>' in page
    assert 'id="preview-preheader">2,549.99 USD due on' in page
    assert '<iframe id="preview-html" title="HTML part" sandbox="" srcdoc="' in page
    srcdoc = page.split('srcdoc="', 1)[1].split('"', 1)[0]
    assert "<" not in srcdoc  # the whole document is an escaped attribute value
    inner = html.unescape(srcdoc)
    assert "INV-000001" in inner and "<script>" not in inner  # still escaped inside the frame
    assert "Hello &lt;script&gt;" in page.split('id="preview-text"', 1)[1]
    assert 'id="send-email" >' in page  # enabled


def test_problems_are_listed_and_send_stays_disabled(admin_client):
    invoice = issued_invoice()
    response = admin_client.post(
        email_url(invoice), {"action": "preview", "subject": "x" * 181, "body": "Hi"}
    )
    page = response.content.decode()
    problems = '<ul class="errorlist" id="email-problems"><li>{}</li></ul>'
    assert problems.format("Subject must be 180 characters or fewer.") in page
    assert 'id="send-email" disabled>' in page
    response = admin_client.post(email_url(invoice), {"action": "send", "subject": "Only subject"})
    assert "subject and body must be given together" in response.content.decode()
    assert Message.objects.count() == 0


def test_send_queues_the_email_and_returns_to_the_invoice(
    admin_client, django_capture_on_commit_callbacks
):
    invoice = issued_invoice()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            email_url(invoice),
            {"action": "send", "to_email_addresses": "cfo@example.com", "cc_me": "on"},
        )
    assert response.status_code == 302
    assert response["Location"] == f"/admin/billing/invoice/{invoice.pk}/change/"
    sent = mail.outbox[-1]
    assert (sent.to, sent.cc) == (["cfo@example.com"], ["boss@example.com"])
    assert Message.objects.get().status == "sent"
    log = admin_client.get(response["Location"]).content.decode()
    assert "cfo@example.com" in log and "sent" in log


def test_send_a_test_to_me(admin_client, django_capture_on_commit_callbacks):
    invoice = issued_invoice()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(email_url(invoice), {"action": "test"})
    assert response.status_code == 200
    assert mail.outbox[-1].to == ["boss@example.com"]
    message = Message.objects.get()
    assert (message.purpose, message.recipient, message.status) == (
        "test",
        "boss@example.com",
        "sent",
    )


def test_template_version_page_shows_the_schema_and_an_example_preview(admin_client):
    version = TemplateVersion.objects.get(template__key="invoice", version="v1")
    page = admin_client.get(
        f"/admin/notifications/templateversion/{version.pk}/change/"
    ).content.decode()
    assert "<td><code>actionButton.url</code></td><td>url</td><td>No</td>" in page
    assert "<td>2048</td><td>Action Button URL</td>" in page
    assert "<code>Invoice {{invoiceNumber}}</code>" in page
    assert "<strong>Subject:</strong> Invoice Invoice Number" in page
    assert 'sandbox="" srcdoc="' in page


def test_default_template_is_edited_per_organization(admin_client):
    invoice = issued_invoice()
    response = admin_client.post(
        "/admin/notifications/defaultemailtemplate/add/",
        {
            "organization": str(invoice.organization_id),
            "sender_name": "Acme AR",
            "sender_email": "ar@acme.test",
            "subject": "Bill {:Invoice.Number:}",
            "body": "Due {:Invoice.DueDate:}",
        },
    )
    assert response.status_code == 302
    template = DefaultEmailTemplate.objects.get()
    assert template.tenant_id == invoice.organization_id
    page = admin_client.get(email_url(invoice)).content.decode()
    assert '<span id="preview-subject">Bill INV-000001</span>' in page
