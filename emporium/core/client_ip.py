"""The address of the client, which per-IP limits count (API throttle, failed logins).

``X-Forwarded-For`` is whatever the sender wrote, except for the entries that our own
proxies appended. Behind ``TRUSTED_PROXY_COUNT`` proxies the client is the entry that many
places from the right, and only when the request really came from one of them: a request
whose socket address is not in ``TRUSTED_PROXY_NETWORKS`` reached the app directly (a pod
or port left open), and its header is ignored, so rotating the header cannot dodge a limit.
With no proxy (the default outside production) the socket address is the client.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(network.strip(), strict=False) for network in spec if network.strip())


def _is_trusted_proxy(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(settings.TRUSTED_PROXY_NETWORKS)))


def get_client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count <= 0 or not forwarded or not _is_trusted_proxy(remote):
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    # Our nearest proxy is the socket address; it appended the address it saw, and each proxy
    # before it did the same: the client is `count` entries from the right.
    candidate = hops[-count] if len(hops) >= count else hops[0] if hops else remote
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:  # garbage where an address should be: count the proxy's address
        return remote
