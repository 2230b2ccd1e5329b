"""The one trusted client address: for django-axes, the audit log, sessions and every throttle.

`X-Forwarded-For` is honoured only when the request comes from a proxy listed in
`settings.TRUSTED_PROXIES` (addresses or CIDR networks). The header is then read from the right:
each hop a trusted proxy appended is skipped and the first address that is not a trusted proxy is
the client. Anything to its left was written by the client itself and is ignored, so a client
cannot choose the address it is audited, locked or throttled under.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _parse(value: str):
    try:
        return ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    return address is not None and any(address in net for net in networks)


def client_ip(request) -> str | None:
    """The address of the client that sent `request` (None without a request)."""
    if request is None:
        return None
    remote = _parse(request.META.get("REMOTE_ADDR", "") or "")
    if remote is None:
        return None
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    if not _trusted(remote, networks):
        return str(remote)
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    client = remote
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            # A malformed hop cannot be attributed: stop at the last proxy we trust.
            break
        client = address
        if not _trusted(address, networks):
            break
    return str(client)
