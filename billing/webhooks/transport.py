"""One POST to a vetted address: no redirects, no urllib3 retries, a timeout on every phase."""

import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import certifi
import urllib3
from django.utils import timezone

from billing.webhooks.errors import DeliveryError
from billing.webhooks.ssrf import Target

TIMEOUT_SECONDS = 15.0
EXCERPT_BYTES = 500


@dataclass(frozen=True)
class Answer:
    status: int
    excerpt: str
    retry_after: float | None
    duration_ms: int


def _pool(target: Target, timeout: float) -> urllib3.HTTPConnectionPool:
    common = {"timeout": urllib3.Timeout(connect=timeout, read=timeout), "retries": False}
    if target.scheme == "http":
        return urllib3.HTTPConnectionPool(target.address, target.port, **common)
    return urllib3.HTTPSConnectionPool(
        target.address,
        target.port,
        server_hostname=target.host,
        assert_hostname=target.host,
        cert_reqs="CERT_REQUIRED",
        ca_certs=certifi.where(),
        **common,
    )


def host_header(target: Target) -> str:
    default = 443 if target.scheme == "https" else 80
    name = f"[{target.host}]" if ":" in target.host else target.host
    return name if target.port == default else f"{name}:{target.port}"


def post(target: Target, *, body: bytes, headers: dict, timeout: float | None = None) -> Answer:
    """POST ``body``; raises ``DeliveryError`` when no HTTP answer came back in time."""
    timeout = TIMEOUT_SECONDS if timeout is None else timeout
    started = time.monotonic()
    with _pool(target, timeout) as pool:
        try:
            response = pool.urlopen(
                "POST",
                target.path,
                body=body,
                headers={**headers, "host": host_header(target)},
                redirect=False,
                retries=False,
                assert_same_host=False,
                preload_content=False,
            )
            excerpt = response.read(EXCERPT_BYTES, decode_content=False)
            response.release_conn()
        except urllib3.exceptions.HTTPError as exc:
            raise DeliveryError(_describe(exc)) from exc
    elapsed = int((time.monotonic() - started) * 1000)
    return Answer(
        response.status,
        excerpt.decode("utf-8", "replace"),
        retry_after_seconds(response.headers.get("retry-after")),
        elapsed,
    )


def _describe(exc: Exception) -> str:
    # Checked first: urllib3 makes a refused connection a subclass of its connect timeout.
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        return "connection refused or unreachable"
    if isinstance(exc, urllib3.exceptions.TimeoutError):
        return "timed out"
    return f"{type(exc).__name__}"


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - timezone.now()).total_seconds())
