"""Queue entry points: each takes an id, loads nothing itself, and calls one service."""

from notifications import inbound, pipeline, polling


def send_message(message_id: str) -> str:
    return pipeline.deliver(message_id)


def process_webhook(webhook_id: int) -> dict:
    return inbound.process(webhook_id)


def poll_message(message_id: str) -> str:
    return polling.poll(message_id)


def sweep() -> dict:
    return pipeline.sweep()
