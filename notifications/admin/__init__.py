"""Admin for the delivery engine; one module per subdomain."""

from notifications.admin import messages, templates, whatsapp  # noqa: F401 - registers the model admins
