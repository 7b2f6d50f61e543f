"""Where a delivery may go (SSRF): only to a host an admin allowed, over http(s), and only to
public addresses, each address the name resolves to checked at delivery time (a name that
resolved to a public address when it was subscribed may resolve to a private one since). The
connection then goes to the address that was checked, so that a second resolution cannot
point elsewhere. ``EXTRANET_WEBHOOK_ALLOW_PRIVATE`` lets loopback and private ranges through:
for tests and a receiver on the operator's own network, never by default."""

from __future__ import annotations

import http.client
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from extranet.extensions import db
from extranet.webhooks.models import WebhookHost


class DestinationRefused(Exception):
    """The URL may not be delivered to; the message says why (shown in the delivery log)."""


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str
    port: int
    target: str  # path and query
    address: str


def url_problem(url: str) -> str | None:
    """What is wrong with a URL before any host is resolved (None when it may be subscribed)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return "not a URL"
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return "not an http or https URL"
    if parts.username or parts.password:
        return "credentials in the URL"
    return None


def host_allowed(host: str) -> bool:
    host = host.lower().rstrip(".")
    return db.session.scalar(select(WebhookHost.id).where(WebhookHost.host == host)) is not None


def address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_multicast or ip.is_unspecified:
        return False
    if ip.is_global:
        return True
    return bool(current_app.config["WEBHOOK_ALLOW_PRIVATE"])


def resolve(url: str) -> Destination:
    """The checked destination of ``url``, or DestinationRefused."""
    problem = url_problem(url)
    if problem:
        raise DestinationRefused(problem)
    parts = urlsplit(url)
    host = parts.hostname.lower().rstrip(".")
    if not host_allowed(host):
        raise DestinationRefused(f"the host {host} is not among the allowed hosts")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise DestinationRefused(f"the host {host} does not resolve ({exc})") from exc
    addresses = [info[4][0] for info in found]
    refused = [a for a in addresses if not address_allowed(a)]
    if refused or not addresses:
        raise DestinationRefused(f"the host {host} resolves to a refused address ({', '.join(refused)})")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Destination(parts.scheme, host, port, target, addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, destination: Destination, timeout: float):
        super().__init__(destination.host, destination.port, timeout=timeout)
        self._address = destination.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, destination: Destination, timeout: float):
        super().__init__(destination.host, destination.port, timeout=timeout)
        self._address = destination.address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is checked against the host name, not the address connected to.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(destination: Destination, body: bytes, headers: dict, timeout: float) -> tuple[int, str]:
    """POST ``body``; (status, the start of the answer). Redirects are not followed: a receiver
    cannot send a delivery on to an address that was not checked."""
    kind = _PinnedHTTPSConnection if destination.scheme == "https" else _PinnedHTTPConnection
    connection = kind(destination, timeout)
    try:
        connection.request("POST", destination.target, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(1000).decode("utf-8", "replace")
        return response.status, excerpt
    finally:
        connection.close()
