"""Row-level scopes of the network app (see accounts.scoping).

A demand is seen city-wide by the city's administrators, and by the society and host-unit
staff of the station it is assigned to. The enterprise that submitted it sees it through
a django-guardian object grant (`network.view_demand`) made when it is submitted, because
accounts.scoping has no enterprise path: scope_queryset adds such grants when asked for
the permission (see network.selectors).
"""

from accounts.scoping import ScopePaths, register_scope

from .models import Demand, Enterprise

register_scope(
    Demand,
    ScopePaths(
        city="city",
        district="station__district",
        society="station__society",
        host_unit="station__host_unit",
    ),
)
register_scope(Enterprise, ScopePaths(city="city"))
