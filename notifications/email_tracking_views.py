from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from notifications import email_tracking as tracking


@never_cache
@require_GET
def open_pixel(request, token: str) -> HttpResponse:
    """Always the same image, so a probe learns nothing about which tokens are real."""
    tracking.record_open(token)
    response = HttpResponse(tracking.PIXEL_GIF, content_type="image/gif")
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@require_GET
def click(request, token: str) -> HttpResponse:
    target = tracking.record_click(token)
    if target is None:
        raise Http404("Unknown link")
    response = HttpResponseRedirect(target)
    response["Referrer-Policy"] = "no-referrer"
    return response
