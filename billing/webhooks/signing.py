"""Standard Webhooks headers: a new timestamp and signature per attempt, the same id always."""

from datetime import datetime
from importlib.metadata import PackageNotFoundError, version

from standardwebhooks import Webhook


def _version() -> str:
    try:
        return version("duebell")
    except PackageNotFoundError:
        return "0"


USER_AGENT = f"Duebell-Webhooks/{_version()}"


def signature(secrets: list[str], *, msg_id: str, timestamp: datetime, body: str) -> str:
    """``v1,<sig>`` per secret, space-separated (two during a rotation)."""
    return " ".join(
        Webhook(secret).sign(msg_id=msg_id, timestamp=timestamp, data=body) for secret in secrets
    )


def headers(secrets: list[str], *, msg_id: str, timestamp: datetime, body: str) -> dict:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature(secrets, msg_id=msg_id, timestamp=timestamp, body=body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }
