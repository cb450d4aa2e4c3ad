"""Channel registry: ``settings.NOTIFICATIONS_CHANNELS`` maps a channel name to a backend class.

See ``notifications.channels.base`` for how a channel plugs in.
"""

from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from notifications.channels.base import ChannelBackend


@cache
def backend_class(channel: str) -> type[ChannelBackend]:
    try:
        path = settings.NOTIFICATIONS_CHANNELS[channel]
    except KeyError as exc:
        raise ImproperlyConfigured(f"No backend configured for channel {channel!r}") from exc
    return import_string(path)


def get_backend(channel: str, tenant_id) -> ChannelBackend:
    return backend_class(channel)(tenant_id=tenant_id)
