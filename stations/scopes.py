"""Row-level scopes of the stations app's models (see accounts.scoping)."""

from accounts.scoping import ScopePaths, register_scope

from .models import ActivityRecord, Expert, HostUnit, Society, Station

register_scope(
    Station,
    ScopePaths(city="city", district="district", society="society", host_unit="host_unit"),
)
register_scope(
    ActivityRecord,
    ScopePaths(
        city="station__city",
        district="station__district",
        society="station__society",
        host_unit="station__host_unit",
    ),
)
register_scope(Society, ScopePaths(city="city", society="pk", county_sees_city=True))
register_scope(HostUnit, ScopePaths(city="city", district="district", host_unit="pk"))
register_scope(
    Expert, ScopePaths(city="city", society="society", expert="pk", county_sees_city=True)
)
