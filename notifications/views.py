"""Provider webhook receivers: authenticate by path token, cap, store raw, answer, process later."""

import logging

from django.db import DatabaseError
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from notifications.channels.whatsapp.config import match_webhook_token
from notifications.inbound import MAX_BODY, NestedTooDeeply, headers_of, parse_json
from notifications.models import InboundWebhook
from notifications.queue import enqueue_webhook

logger = logging.getLogger(__name__)


def _too_large(request) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY
    except ValueError:
        return True


@csrf_exempt
@require_POST
def onemsg_webhook(request, token: str):
    channel_key = match_webhook_token(token)
    if channel_key is None:
        raise Http404
    if _too_large(request):
        return HttpResponse(status=413)
    body = request.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        return HttpResponse(status=413)
    try:
        webhook = InboundWebhook.objects.create(
            provider="1msg", channel_key=channel_key, body=body, headers=headers_of(request.META)
        )
    except DatabaseError:
        logger.exception("Could not store a 1MSG webhook; the provider will retry")
        return HttpResponse(status=503, headers={"Retry-After": "5"})
    try:
        parse_json(body)
    except ValueError as exc:
        InboundWebhook.objects.filter(pk=webhook.pk).update(state=InboundWebhook.State.INVALID)
        reason = str(exc) if isinstance(exc, NestedTooDeeply) else "body is not JSON"
        return JsonResponse({"error": reason}, status=400)
    _wake(webhook.pk)
    return JsonResponse({"ok": True})


def _wake(webhook_id: int) -> None:
    # The raw row is committed: if the queue is down the sweeper re-enqueues it, so an enqueue
    # failure must not turn into a non-2xx answer (1MSG would retry and duplicate).
    try:
        enqueue_webhook(webhook_id)
    except Exception:
        logger.exception("Could not enqueue webhook %s; the sweeper will pick it up", webhook_id)
