"""The WhatsApp channel, spoken through 1MSG. Provider vocabulary stays inside this package."""

from notifications.channels.whatsapp.backend import WhatsAppBackend

__all__ = ["WhatsAppBackend"]
