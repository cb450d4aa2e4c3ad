from notifications.models.inbound import InboundReply, InboundWebhook, OrphanEvent
from notifications.models.messages import ErrorText, Message, MessageEvent
from notifications.models.templates import DefaultEmailTemplate, MessageTemplate, TemplateVersion
from notifications.models.whatsapp import WhatsAppChannel, WhatsAppTemplate

__all__ = [
    "DefaultEmailTemplate",
    "ErrorText",
    "InboundReply",
    "InboundWebhook",
    "Message",
    "MessageEvent",
    "MessageTemplate",
    "OrphanEvent",
    "TemplateVersion",
    "WhatsAppChannel",
    "WhatsAppTemplate",
]
