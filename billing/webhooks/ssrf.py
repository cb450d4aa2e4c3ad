"""The SSRF guard: which URLs an endpoint may have, and which address an attempt connects to.

With ``WEBHOOK_ALLOW_PRIVATE_URLS`` off, a URL must be ``https``, carry no credentials, and every
address its host resolves to must be global unicast (an IPv4-mapped IPv6 address is judged as
the IPv4 address it maps; 100.64/10 is not global). The check runs at registration and again at
every attempt, which then connects to the address it vetted, so a DNS answer cannot change
between the check and the connection.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from billing.webhooks.errors import DeliveryError, InvalidEndpoint


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # the name, for the Host header, SNI and certificate checks
    port: int
    path: str  # path and query
    address: str  # the vetted IP the attempt connects to


def private_allowed() -> bool:
    return bool(settings.WEBHOOK_ALLOW_PRIVATE_URLS)


def url_problems(url: str, *, allow_private: bool) -> list[str]:
    """Sentences naming ``url`` for everything wrong with it before any DNS lookup."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        return ["url must be a valid URL"]
    schemes = ("https", "http") if allow_private else ("https",)
    problems = []
    if parts.scheme not in schemes:
        problems.append("url must use https" if not allow_private else "url must use http(s)")
    if "@" in parts.netloc:
        problems.append("url must not contain credentials (user info before '@')")
    if not parts.hostname:
        problems.append("url must name a host")
    elif not allow_private:
        problems += [f"url {p}" for p in _literal_problems(parts.hostname)]
    return problems


def _literal_problems(host: str) -> list[str]:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return [] if host.rstrip(".").lower() != "localhost" else ["must not point to localhost"]
    problem = address_problem(address)
    return [problem] if problem else []


def address_problem(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_multicast or not address.is_global:
        return f"must not point to a non-public address ({address})"
    return None


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise DeliveryError(f"the host {host} could not be resolved") from exc
    return list(dict.fromkeys(info[4][0] for info in infos))


def check_registration(url: str) -> None:
    """Raise ``InvalidEndpoint`` (a 400 with the reason) for a URL no endpoint may have."""
    allow = private_allowed()
    problems = url_problems(url, allow_private=allow)
    if not problems and not allow:
        problems = _resolved_problems(urlsplit(url))
    if problems:
        raise InvalidEndpoint(problems)


def _resolved_problems(parts) -> list[str]:
    try:
        addresses = resolve(parts.hostname, _port(parts))
    except DeliveryError as exc:
        return [f"url: {exc}"]
    problems = [address_problem(ipaddress.ip_address(a.split("%")[0])) for a in addresses]
    return [f"url {p}" for p in problems if p]


def _port(parts) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


def vet(url: str) -> Target:
    """The target of one attempt: checked again now, connecting to the address checked."""
    allow = private_allowed()
    problems = url_problems(url, allow_private=allow)
    if problems:
        raise DeliveryError(problems[0])
    parts = urlsplit(url)
    addresses = resolve(parts.hostname, _port(parts))
    if not allow:
        for address in addresses:
            problem = address_problem(ipaddress.ip_address(address.split("%")[0]))
            if problem:
                raise DeliveryError(f"url {problem}")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, _port(parts), path, addresses[0])
