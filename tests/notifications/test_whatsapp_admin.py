"""Admin: the invoice's WhatsApp preview and send button, the read-only log and its actions."""

import pytest
import responses
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from billing.services.actors import Actor
from billing.services.whatsapp import invoice_send_whatsapp
from notifications import pipeline
from notifications import status as st
from notifications.models import Message
from tests.notifications.whatsapp_support import STUB_SEND_URL, seed_invoice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stub_channel")]
EVIL = '<script>alert("x")</script>'


def test_the_invoice_page_previews_the_exact_message_escaped(admin_client):
    invoice = seed_invoice(name=EVIL)
    page = admin_client.get(
        reverse("admin:billing_invoice_change", args=[invoice.pk])
    ).content.decode()
    assert (
        "Hello, &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;! Invoice #INV-2024-0842" in page
    )
    assert EVIL not in page
    assert "Pay invoice" in page and "Send on WhatsApp" in page
    assert "secret-channel-token" not in page


def test_send_on_whatsapp_asks_first_then_sends_once(
    admin_client, django_capture_on_commit_callbacks
):
    invoice = seed_invoice()
    url = reverse("admin:billing_invoice_send_whatsapp", args=[invoice.pk])
    confirm = admin_client.get(url).content.decode()
    assert "Yes, send on WhatsApp" in confirm and "+*******4567" in confirm
    assert not Message.objects.exists()
    with responses.RequestsMock() as stub:
        stub.post(STUB_SEND_URL, json={"sent": True, "id": "wamid.9"})
        with django_capture_on_commit_callbacks(execute=True):
            admin_client.post(url)
            admin_client.post(url)  # double click
        assert len(stub.calls) == 1
    message = Message.objects.get()
    assert (message.status, message.created_by) == (st.ACCEPTED, "user:boss")


def test_the_log_is_read_only_and_shows_the_timeline(admin_client):
    message = invoice_send_whatsapp(invoice=seed_invoice(), actor=Actor(label="t")).message
    pipeline.claim(message.pk)
    page = admin_client.get(reverse("admin:notifications_message_change", args=[message.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Timeline" in html and "+*******4567" in html and "+79001234567" not in html
    assert 'name="_save"' not in html
    assert admin_client.get(reverse("admin:notifications_message_add")).status_code == 403


def test_resend_anyway_confirms_then_supersedes_with_an_audit(
    admin_client, django_capture_on_commit_callbacks
):
    message = invoice_send_whatsapp(invoice=seed_invoice(), actor=Actor(label="t")).message
    pipeline.claim(message.pk)
    st.transition(message.pk, st.UNKNOWN, source="send")
    url = reverse("admin:notifications_message_changelist")
    data = {"action": "resend_anyway", ACTION_CHECKBOX_NAME: [str(message.pk)]}
    confirm = admin_client.post(url, data).content.decode()
    assert "may deliver the same invoice twice" in confirm
    assert Message.objects.count() == 1
    with responses.RequestsMock() as stub:
        stub.post(STUB_SEND_URL, json={"sent": True, "id": "wamid.2"})
        with django_capture_on_commit_callbacks(execute=True):
            admin_client.post(url, {**data, "confirmed": "yes", "reason": "customer asked"})
    old, new = Message.objects.get(pk=message.pk), Message.objects.get(is_active=True)
    assert (old.is_active, new.status, new.created_by) == (False, st.ACCEPTED, "user:boss")
    assert old.events.last().detail["reason"] == "customer asked"
