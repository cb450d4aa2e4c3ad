"""Wake-ups on the django-q2 queue. The message row is the truth; a lost task is re-enqueued by
the sweeper, and a task run twice finds nothing left to do (claims are conditional updates)."""

from django_q.brokers import get_broker
from django_q.tasks import async_task

_broker = None


def enqueue(func: str, *args) -> None:
    """``async_task`` with one broker per process (a broker per call reconnects every time)."""
    global _broker
    if _broker is None:
        _broker = get_broker()
    async_task(func, *args, broker=_broker, task_name=f"{func.rsplit('.', 1)[-1]}:{args[0]}")


def enqueue_send(message_id) -> None:
    enqueue("notifications.tasks.send_message", str(message_id))


def enqueue_webhook(webhook_id) -> None:
    enqueue("notifications.tasks.process_webhook", webhook_id)


def enqueue_poll(message_id) -> None:
    enqueue("notifications.tasks.poll_message", str(message_id))
