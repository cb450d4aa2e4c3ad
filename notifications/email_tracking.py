"""E-mail open and click tracking: signed URLs that point back at us, and what a hit records.

An open is a 1x1 image in the HTML part; a click goes through ``/t/c/<signed>/`` and is
redirected to the URL signed inside it, so the redirect can never be pointed elsewhere (no open
redirect). Both add a ``tracking`` event to the message's timeline through the status door.
"""

import base64
import re
from html import escape

from django.conf import settings
from django.core import signing
from django.urls import reverse

from notifications import status as st
from notifications.models import Message

OPEN_SALT = "notifications.email.open"
CLICK_SALT = "notifications.email.click"
PIXEL_GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
_BODY_END = re.compile(r"</body>", re.IGNORECASE)


def open_pixel_url(message_id) -> str:
    token = signing.Signer(salt=OPEN_SALT).sign(str(message_id))
    return settings.SITE_URL + reverse("email_tracking:open", args=[token])


def click_url(message_id, target: str) -> str:
    token = signing.dumps({"m": str(message_id), "u": target}, salt=CLICK_SALT, compress=True)
    return settings.SITE_URL + reverse("email_tracking:click", args=[token])


def instrument(html: str, message_id, tracked_urls: list[str]) -> str:
    """Point links to ``tracked_urls`` through the click redirect and add the open pixel."""
    for url in tracked_urls:
        html = html.replace(f'href="{escape(url)}"', f'href="{click_url(message_id, url)}"')
    pixel = (
        f'<img src="{open_pixel_url(message_id)}" width="1" height="1" alt="" '
        'style="display:block;border:0;width:1px;height:1px">'
    )
    if _BODY_END.search(html):
        return _BODY_END.sub(lambda _m: pixel + "</body>", html, count=1)
    return html + pixel


def record_open(token: str) -> bool:
    """Apply ``opened`` for a valid pixel token; a forged token records nothing."""
    try:
        message_id = signing.Signer(salt=OPEN_SALT).unsign(token)
    except signing.BadSignature:
        return False
    if not _exists(message_id):
        return False
    return st.transition(message_id, st.OPENED, source="tracking", detail={"via": "pixel"})


def record_click(token: str) -> str | None:
    """Apply ``clicked`` and return the signed target URL, or None for a forged token."""
    try:
        claim = signing.loads(token, salt=CLICK_SALT)
    except signing.BadSignature:
        return None
    if _exists(claim["m"]):
        st.transition(claim["m"], st.CLICKED, source="tracking", detail={"url": claim["u"]})
    return claim["u"]


def _exists(message_id: str) -> bool:
    """A link outlives its message only in tests and clean-ups; it still works, records nothing."""
    return Message.objects.filter(pk=message_id).exists()
