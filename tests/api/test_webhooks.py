"""``/api/v0/webhooks`` and ``/api/v0/events``: the spec's table, envelope errors, tenancy."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks import Webhook

from billing.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db


def register(api, url, events=("*",), **extra):
    return api.post("webhooks", {"url": url, "events": list(events), **extra})


def test_create_answers_the_secret_once(api):
    response = register(api, "http://127.0.0.1:9/hooks", ["invoice.paid"], description="ERP")
    assert response.status_code == 201
    body = response.json()
    endpoint = WebhookEndpoint.objects.get()
    assert body == {
        "id": str(endpoint.pk),
        "url": "http://127.0.0.1:9/hooks",
        "events": ["invoice.paid"],
        "description": "ERP",
        "enabled": True,
        "disabled_reason": None,
        "created_at": body["created_at"],
        "secret": endpoint.secret,
    }
    assert body["secret"].startswith("whsec_")
    shown = api.get(f"webhooks/{endpoint.pk}").json()
    assert "secret" not in shown and shown["url"] == "http://127.0.0.1:9/hooks"
    assert api.get("webhooks").json()["total"] == 1
    assert "secret" not in api.get("webhooks").json()["data"][0]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"url": "http://127.0.0.1:9/x"}, ["events should not be empty"]),
        ({"url": "http://127.0.0.1:9/x", "events": []}, ["events should not be empty"]),
        (
            {"url": "http://127.0.0.1:9/x", "events": ["invoice.eaten"]},
            ["events has unknown event types: invoice.eaten"],
        ),
        (
            {"url": "http://me:pw@127.0.0.1:9/x", "events": ["*"]},
            ["url must not contain credentials (user info before '@')"],
        ),
        ({"url": "ftp://127.0.0.1/x", "events": ["*"]}, ["url must use http(s)"]),
        (
            {"url": "http://127.0.0.1:9/x", "events": ["*"], "secret": "whsec_x"},
            ["property secret should not exist"],
        ),
    ],
)
def test_invalid_registrations_are_400_sentences_and_create_nothing(api, body, message):
    response = api.post("webhooks", body)
    assert response.status_code == 400
    assert response.json() == {"statusCode": 400, "message": message, "error": "Bad Request"}
    assert WebhookEndpoint.objects.count() == 0


def test_ssrf_refusal_at_registration_names_the_reason(api, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    response = register(api, "https://10.0.0.1/hooks")
    assert response.json() == {
        "statusCode": 400,
        "message": ["url must not point to a non-public address (10.0.0.1)"],
        "error": "Bad Request",
    }
    assert WebhookEndpoint.objects.count() == 0


def test_patch_delete_disable_and_enable(api):
    pk = register(api, "http://127.0.0.1:9/a").json()["id"]
    patched = api.patch(
        f"webhooks/{pk}", {"url": "http://127.0.0.1:9/b", "events": ["invoice.paid"]}
    ).json()
    assert (patched["url"], patched["events"]) == ("http://127.0.0.1:9/b", ["invoice.paid"])
    off = api.patch(f"webhooks/{pk}", {"enabled": False}).json()
    assert (off["enabled"], off["disabled_reason"]) == (False, "manual")
    on = api.patch(f"webhooks/{pk}", {"enabled": True}).json()
    assert (on["enabled"], on["disabled_reason"]) == (True, None)
    refused = api.patch(f"webhooks/{pk}", {"events": []})
    assert refused.status_code == 400
    assert WebhookEndpoint.objects.get().events == ["invoice.paid"]
    assert api.delete(f"webhooks/{pk}").status_code == 204
    assert api.get(f"webhooks/{pk}").json() == {
        "statusCode": 404,
        "message": "Webhook not found",
        "error": "Not Found",
    }


def test_rotate_secret_keeps_the_old_one_signing_for_a_day(api):
    created = register(api, "http://127.0.0.1:9/a").json()
    rotated = api.post(f"webhooks/{created['id']}/rotate-secret").json()
    endpoint = WebhookEndpoint.objects.get()
    assert rotated["secret"] == endpoint.secret != created["secret"]
    assert endpoint.previous_secret == created["secret"]
    assert endpoint.signing_secrets() == [endpoint.secret, created["secret"]]
    assert endpoint.signing_secrets(timezone.now() + timedelta(hours=25)) == [endpoint.secret]


def test_send_test_then_deliveries_then_redeliver_with_the_same_id(
    api, receiver, django_capture_on_commit_callbacks
):
    created = register(api, receiver.url, ["invoice.paid"]).json()
    with django_capture_on_commit_callbacks(execute=True):
        queued = api.post(f"webhooks/{created['id']}/test")
    assert queued.status_code == 202
    event_id = queued.json()["id"]
    assert queued.json() == {"id": event_id, "deliveries": 1}
    [request] = receiver.requests
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert Webhook(created["secret"]).verify(request.body, headers)["type"] == "webhook.test"

    log = api.get(f"webhooks/{created['id']}/deliveries").json()
    [attempt] = log["data"]
    assert (log["total"], attempt["event_id"], attempt["type"]) == (1, event_id, "webhook.test")
    assert (attempt["attempt"], attempt["http_status"], attempt["error"]) == (1, 200, "")

    with django_capture_on_commit_callbacks(execute=True):
        again = api.post(f"events/{event_id}/redeliver")
    assert (again.status_code, again.json()) == (202, {"id": event_id, "deliveries": 0})
    api.patch(f"webhooks/{created['id']}", {"events": ["*"]})
    with django_capture_on_commit_callbacks(execute=True):
        again = api.post(f"events/{event_id}/redeliver")
    assert again.json() == {"id": event_id, "deliveries": 1}
    ids = [{k.lower(): v for k, v in r.headers.items()}["webhook-id"] for r in receiver.requests]
    assert ids == [event_id, event_id]
    assert WebhookDelivery.objects.filter(event_id=event_id, status="delivered").count() == 2


def test_events_list_filters_by_type_and_time_and_keeps_30_days(api):
    api.post("invoices", api.invoice_body(status="OPEN"))
    old = WebhookEvent.objects.create(
        organization=api.org, type="webhook.test", body="{}", created_at=timezone.now()
    )
    WebhookEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    listed = api.get("events").json()
    assert sorted(e["type"] for e in listed["data"]) == ["invoice.created", "invoice.finalized"]
    assert listed["total"] == 2
    only = api.get("events", type="invoice.finalized").json()
    [finalized] = only["data"]
    assert finalized["payload"]["invoice"]["status"] == "OPEN"
    assert finalized["payload"]["id"] == finalized["id"]
    later = api.get("events", after=(timezone.now() + timedelta(seconds=1)).isoformat()).json()
    assert later == {"data": [], "total": 0}
    bad = api.get("events", type="nope")
    assert bad.status_code == 400


def test_another_organization_sees_none_of_it(api, other_api, django_capture_on_commit_callbacks):
    pk = register(api, "http://127.0.0.1:9/a").json()["id"]
    api.post("invoices", api.invoice_body(status="OPEN"))
    event = WebhookEvent.objects.filter(organization=api.org).first()
    not_found = {"statusCode": 404, "message": "Webhook not found", "error": "Not Found"}
    assert other_api.get(f"webhooks/{pk}").json() == not_found
    assert other_api.patch(f"webhooks/{pk}", {"enabled": False}).json() == not_found
    assert other_api.delete(f"webhooks/{pk}").json() == not_found
    assert other_api.post(f"webhooks/{pk}/test").json() == not_found
    assert other_api.post(f"webhooks/{pk}/rotate-secret").json() == not_found
    assert other_api.get(f"webhooks/{pk}/deliveries").json() == not_found
    assert other_api.get("webhooks").json() == {"data": [], "total": 0}
    assert other_api.get("events").json() == {"data": [], "total": 0}
    assert other_api.post(f"events/{event.pk}/redeliver").json() == {
        "statusCode": 404,
        "message": "Event not found",
        "error": "Not Found",
    }
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.enabled, WebhookDelivery.objects.filter(endpoint=endpoint).count()) == (
        True,
        2,
    )


def test_unknown_webhook_paths_answer_in_the_envelope(api):
    response = api.get("webhooks/not-a-uuid/anything")
    assert (response.status_code, response.json()["statusCode"]) == (404, 404)


def test_the_schema_documents_every_endpoint(api):
    schema = json.loads(api.client.get("/api/v0/schema/", {"format": "json"}).content)
    paths = schema["paths"]
    assert set(paths["/api/v0/webhooks"]) >= {"get", "post"}
    assert set(paths["/api/v0/webhooks/{id}"]) >= {"get", "patch", "delete"}
    for tail in ("rotate-secret", "test"):
        assert "post" in paths[f"/api/v0/webhooks/{{id}}/{tail}"]
    assert "get" in paths["/api/v0/webhooks/{id}/deliveries"]
    assert "get" in paths["/api/v0/events"]
    assert "post" in paths["/api/v0/events/{id}/redeliver"]
