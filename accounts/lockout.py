"""Login lockout policy (django-axes handler).

* A *pair* lock: `AXES_FAILURE_LIMIT` failures for one username from one trusted client address
  (accounts/client_ip.py) lock that username **from that address only**. An attacker elsewhere
  cannot lock the finance officer out of her own desk; failures with unknown names from a shared
  address lock nobody else.
* An *address* lock against credential stuffing: `AXES_ADDRESS_FAILURE_LIMIT` failures (any
  names) from one address lock every login from that address.

Both last `AXES_COOLOFF_TIME` after the last failure. The security administrator's unlock
(`unlock_user`) clears every lock of that user: all of its pair locks and the address locks of
the addresses its failures came from.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def _recent(request):
    attempts = AccessAttempt.objects.all()
    if settings.AXES_COOLOFF_TIME is not None:
        attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
    return attempts


def address_failures(request) -> int:
    ip = getattr(request, "axes_ip_address", None)
    if not ip:
        return 0
    total = _recent(request).filter(ip_address=ip).aggregate(n=Sum("failures_since_start"))["n"]
    return total or 0


class PairAndAddressHandler(AxesDatabaseHandler):
    """Failures counted per (username, address), plus a higher limit per address."""

    def get_failures(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        pair = (
            _recent(request)
            .filter(username=username, ip_address=request.axes_ip_address)
            .aggregate(n=Sum("failures_since_start"))["n"]
            or 0
        )
        if address_failures(request) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            return max(pair, get_failure_limit(request, credentials))
        return pair


def unlock_user(username: str) -> int:
    """Clear every lock of `username`: its pair locks and the locks of the addresses it failed from."""
    attempts = AccessAttempt.objects.filter(username=username)
    addresses = set(attempts.values_list("ip_address", flat=True))
    count, _ = attempts.delete()
    for ip in addresses - {None}:
        if (
            AccessAttempt.objects.filter(ip_address=ip).aggregate(n=Sum("failures_since_start"))[
                "n"
            ]
            or 0
        ) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            more, _ = AccessAttempt.objects.filter(ip_address=ip).delete()
            count += more
    return count
