"""The webhook admin: secret shown once, failing endpoints highlighted, test, re-enable,
redeliver; every change through the services, every page scoped to the organization."""

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from billing.services.roles import staff_user_set
from billing.webhooks import delivery
from billing.webhooks.events import event_raise
from billing.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import OrganizationFactory
from tests.webhooks.support import endpoint

pytestmark = pytest.mark.django_db
ADD = reverse("admin:billing_webhookendpoint_add")
ENDPOINTS = reverse("admin:billing_webhookendpoint_changelist")
DELIVERIES = reverse("admin:billing_webhookdelivery_changelist")


def member(client, org, role="admin", username="owner"):
    user = staff_user_set(username=username, password="pw-12345", organization=org, role=role)
    client.force_login(user.user)
    return client


def test_adding_an_endpoint_shows_its_secret_once(client, org):
    member(client, org)
    response = client.post(
        ADD, {"url": "http://127.0.0.1:9/hooks", "events": '["invoice.paid"]', "description": ""}
    )
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.organization, endpoint.events) == (org, ["invoice.paid"])
    assert response.status_code == 200
    assert endpoint.secret in response.content.decode()
    change = client.get(reverse("admin:billing_webhookendpoint_change", args=[endpoint.pk]))
    assert change.status_code == 200
    assert endpoint.secret not in change.content.decode()
    assert endpoint.secret not in client.get(ENDPOINTS).content.decode()


def test_an_unsafe_url_is_a_form_error_and_nothing_is_created(client, org, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    member(client, org)
    response = client.post(ADD, {"url": "https://10.0.0.1/x", "events": '["*"]'})
    assert response.status_code == 200
    assert "url must not point to a non-public address (10.0.0.1)" in response.content.decode()
    assert WebhookEndpoint.objects.count() == 0


def test_failing_and_disabled_endpoints_are_highlighted(client, org):
    member(client, org)
    endpoint(org, url="http://127.0.0.1:9/failing", failing_since=timezone.now())
    endpoint(org, url="http://127.0.0.1:9/gone", enabled=False, disabled_reason="gone")
    page = client.get(ENDPOINTS).content.decode()
    assert "failing since" in page
    assert "disabled: The endpoint answered 410 Gone" in page


def test_send_test_and_re_enable_actions(client, org, receiver, django_capture_on_commit_callbacks):
    member(client, org)
    live = endpoint(org, url=receiver.url)
    gone = endpoint(org, url=receiver.url, enabled=False, disabled_reason="gone")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(ENDPOINTS, {"action": "send_test", "_selected_action": [live.pk, gone.pk]})
    assert len(receiver.requests) == 1
    client.post(ENDPOINTS, {"action": "re_enable", "_selected_action": [gone.pk]})
    gone.refresh_from_db()
    assert (gone.enabled, gone.disabled_reason) == (True, "")


def test_deliveries_show_attempts_and_redeliver_keeps_the_event_id(client, org, receiver):
    member(client, org)
    target = endpoint(org, url=receiver.url)
    with transaction.atomic():
        event = event_raise(organization=org, type="webhook.test")
    first = WebhookDelivery.objects.get()
    delivery.attempt(first.pk)
    page = client.get(reverse("admin:billing_webhookdelivery_change", args=[first.pk]))
    assert page.status_code == 200 and "webhook.test" in page.content.decode()
    client.post(DELIVERIES, {"action": "redeliver", "_selected_action": [first.pk]})
    second = WebhookDelivery.objects.exclude(pk=first.pk).get()
    assert (second.event_id, second.endpoint, second.status) == (event.id, target, "pending")


def test_another_organization_sees_none_of_it(client, org):
    other = OrganizationFactory()
    theirs = endpoint(other)
    with transaction.atomic():
        event_raise(organization=other, type="webhook.test")
    member(client, org)
    change = reverse("admin:billing_webhookendpoint_change", args=[theirs.pk])
    assert client.get(change).status_code == 404
    assert theirs.url not in client.get(ENDPOINTS).content.decode()
    assert client.get(DELIVERIES).content.decode().count("webhook.test") == 0
    client.post(ENDPOINTS, {"action": "re_enable", "_selected_action": [theirs.pk]})
    client.post(
        DELIVERIES,
        {"action": "redeliver", "_selected_action": [str(WebhookDelivery.objects.get().pk)]},
    )
    assert WebhookDelivery.objects.count() == 1


def test_a_viewer_cannot_add_endpoints(client, org):
    member(client, org, role="viewer", username="vera")
    assert client.get(ADD).status_code == 403
    assert client.get(ENDPOINTS).status_code == 200
