from notifications.models.messages import Message, MessageEvent

__all__ = ["Message", "MessageEvent"]
