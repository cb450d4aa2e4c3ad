from notifications.models.inbound import InboundWebhook, OrphanEvent
from notifications.models.messages import Message, MessageEvent
from notifications.models.templates import DefaultEmailTemplate, MessageTemplate, TemplateVersion
from notifications.models.whatsapp import WhatsAppChannel, WhatsAppTemplate

__all__ = [
    "DefaultEmailTemplate",
    "InboundWebhook",
    "Message",
    "MessageEvent",
    "MessageTemplate",
    "OrphanEvent",
    "TemplateVersion",
    "WhatsAppChannel",
    "WhatsAppTemplate",
]
