"""Reads of the network app.

Logged-in reads go through accounts.scoping (missing and forbidden both 404). The public
directory is the one deliberate exception: it is read anonymously, so it selects only
stations in PUBLIC_STATION_STATUSES and returns plain dataclasses holding whitelisted
fields — a template cannot print a phone number or e-mail it was never given.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from accounts.paging import Paginator
from accounts.scoping import get_for_user, scope_queryset
from stations.choices import ActivityKind, ExpertRole, StationStatus
from stations.models import ActivityRecord, City, Expert, Society, Station, StationExpert
from stations.selectors import expert_list, station_list

from . import matching
from .models import Demand

# Stations shown publicly and offered for assignment: named stations that still hold their
# plaque. 限期整改 (rectification) stations keep serving enterprises while they rectify, so
# they stay listed; filed-only, applying, suspended, revoked, delisted, expired do not.
PUBLIC_STATION_STATUSES = (
    StationStatus.CERTIFIED,
    StationStatus.KEY_SUPPORTED,
    StationStatus.RECTIFICATION,
)
VIEW_DEMAND = "network.view_demand"


# --- logged-in ---------------------------------------------------------------------------


def demand_list(user) -> QuerySet[Demand]:
    return scope_queryset(
        user,
        Demand.objects.select_related("enterprise", "station", "city"),
        perm=VIEW_DEMAND,
    )


def get_demand(user, pk: int) -> Demand:
    return get_for_user(
        user,
        Demand.objects.select_related(
            "enterprise", "station__society", "station__host_unit", "city"
        ),
        perm=VIEW_DEMAND,
        pk=pk,
    )


def assignable_stations(user, demand: Demand) -> QuerySet[Station]:
    return station_list(user).filter(city_id=demand.city_id, status__in=PUBLIC_STATION_STATUSES)


def _query(demand: Demand) -> matching.Query:
    return matching.Query(
        field=demand.field,
        industry=demand.industry,
        text=f"{demand.title} {demand.description}",
    )


def match_stations(user, demand: Demand, limit: int = 10) -> list[tuple[Station, matching.Score]]:
    stations = assignable_stations(user, demand).select_related("society", "host_unit")
    candidates = [
        (
            s,
            s.name,
            matching.Profile(
                fields=(s.discipline, s.society.discipline),
                industries=(
                    s.industry,
                    s.host_unit.industry,
                    *s.host_unit.industry_fields.split("、"),
                ),
                text=" ".join(
                    (
                        s.name,
                        s.industry,
                        s.discipline,
                        s.agreement_content,
                        s.society.duties,
                        s.host_unit.profile,
                    )
                ),
            ),
        )
        for s in stations
    ]
    return matching.rank(_query(demand), candidates)[:limit]


def match_experts(user, demand: Demand, limit: int = 10) -> list[tuple[Expert, matching.Score]]:
    experts = (
        expert_list(user)
        .filter(city_id=demand.city_id)
        .select_related("society")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=StationExpert.objects.filter(left_on__isnull=True).select_related(
                    "station"
                ),
                to_attr="current_memberships",
            )
        )
    )
    candidates = []
    for e in experts:
        industries = tuple(m.station.industry for m in e.current_memberships)
        society_discipline = e.society.discipline if e.society else ""
        candidates.append(
            (
                e,
                e.name,
                matching.Profile(
                    fields=(e.field, society_discipline),
                    industries=industries,
                    text=" ".join((e.field, society_discipline, e.bio, *industries)),
                ),
            )
        )
    return matching.rank(_query(demand), candidates)[:limit]


@dataclass(frozen=True)
class DemandCounts:
    """A station's demand-derived activity in one year (贵阳 三(三)7, 益阳 第十二条)."""

    year: int
    demands_served: int
    problems_solved: int
    achievements_transferred: int


def station_demand_counts(station: Station, year: int | None = None) -> DemandCounts:
    year = year or timezone.localdate().year
    counts = dict(
        ActivityRecord.objects.filter(
            station=station,
            date__gte=dt.date(year, 1, 1),
            date__lte=dt.date(year, 12, 31),
            kind__in=(
                ActivityKind.DEMAND_SERVED,
                ActivityKind.PROBLEM_SOLVED,
                ActivityKind.ACHIEVEMENT_TRANSFER,
            ),
        )
        .values_list("kind")
        .annotate(n=Sum("quantity"))  # as policies.selectors.activity_summary counts
        .order_by()
    )
    return DemandCounts(
        year=year,
        demands_served=counts.get(ActivityKind.DEMAND_SERVED, 0),
        problems_solved=counts.get(ActivityKind.PROBLEM_SOLVED, 0),
        achievements_transferred=counts.get(ActivityKind.ACHIEVEMENT_TRANSFER, 0),
    )


def my_station_counts(user) -> list[tuple[Station, DemandCounts]]:
    """Return this year's demand counts for the stations the user works for (staff only)."""
    if user.role not in ("society_staff", "host_staff"):
        return []
    return [
        (s, station_demand_counts(s))
        for s in station_list(user).filter(status__in=PUBLIC_STATION_STATUSES)
    ]


# --- public (anonymous) ------------------------------------------------------------------


@dataclass(frozen=True)
class PublicExpert:
    name: str
    title: str
    field: str
    society: str
    role: str = ""


@dataclass(frozen=True)
class PublicStation:
    pk: int
    name: str
    society_pk: int
    society: str
    host_unit: str
    level: str
    industry: str
    discipline: str
    certified_on: dt.date | None
    head_name: str
    head_title: str
    agreement_content: str
    team: tuple[PublicExpert, ...] = ()


@dataclass(frozen=True)
class PublicSociety:
    pk: int
    name: str
    level: str
    discipline: str
    duties: str
    stations: tuple[tuple[int, str], ...] = ()


def public_cities() -> list[dict]:
    return cached_public(
        ("cities",),
        lambda: list(
            City.objects.annotate(
                n_stations=Count("stations", filter=Q(stations__status__in=PUBLIC_STATION_STATUSES))
            ).values("code", "name", "province", "n_stations")
        ),
    )


# --- public directory: paged, cached, looked up by key --------------------------------------

PUBLIC_PAGE_SIZE = 25


@dataclass(frozen=True)
class PublicPage:
    """One page of a public list as plain data (what the cache holds)."""

    rows: tuple
    count: int
    number: int
    per_page: int = PUBLIC_PAGE_SIZE

    def page_obj(self):
        """Return a django Page over these rows (for the shared pager include)."""
        from django.core.paginator import Page, Paginator

        paginator = Paginator((), self.per_page, allow_empty_first_page=True)
        paginator.__dict__["count"] = self.count  # the count already computed in SQL
        return Page(list(self.rows), self.number, paginator)


def cached_public(key_parts: tuple, build):
    """Return `build()`, cached for PUBLIC_DIRECTORY_CACHE_SECONDS in Django's cache.

    The key carries a generation number that network.public_cache bumps whenever a
    station, society, host unit, expert or team membership changes, so a change shows at
    once and every worker (Redis in production) agrees; the timeout only bounds memory."""
    from django.conf import settings
    from django.core.cache import cache

    from .public_cache import generation

    timeout = int(getattr(settings, "PUBLIC_DIRECTORY_CACHE_SECONDS", 300))
    if timeout <= 0:
        return build()
    raw = ":".join(str(p) for p in key_parts)
    digest = hashlib.sha256(raw.encode()).hexdigest()[:32]
    key = f"public-dir:{generation()}:{digest}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout)
    return value


def _paged(queryset: QuerySet, page, convert, per_page: int = PUBLIC_PAGE_SIZE) -> PublicPage:
    """One page of `queryset`, its rows through `convert`; a bad or small number is page 1,
    one past the end the last page. accounts.paging.Paginator: a list that fits on its first
    page (a city's few societies, a society's stations) needs no COUNT(*)."""
    try:
        number = max(int(page), 1)
    except (TypeError, ValueError):
        number = 1
    got = Paginator(queryset, per_page).get_page(number)
    rows = convert(list(got.object_list))
    return PublicPage(
        rows=tuple(rows), count=got.paginator.count, number=got.number, per_page=per_page
    )


def _public_stations_qs(city: City) -> QuerySet[Station]:
    return Station.objects.filter(city=city, status__in=PUBLIC_STATION_STATUSES)


def _team(station_ids) -> dict[int, list[PublicExpert]]:
    team: dict[int, list[PublicExpert]] = {}
    rows = (
        StationExpert.objects.filter(station_id__in=station_ids, left_on__isnull=True)
        .order_by("station_id", "role", "expert__name")
        .values_list(
            "station_id",
            "role",
            "expert__name",
            "expert__title",
            "expert__field",
            "expert__society__name",
        )
    )
    labels = dict(ExpertRole.choices)
    for station_id, role, name, title, field, society in rows:
        team.setdefault(station_id, []).append(
            PublicExpert(
                name=name,
                title=title,
                field=field,
                society=society or "",
                role=str(labels.get(role, "")),
            )
        )
    return team


def _matches(fields: tuple[str, ...], term: str) -> Q:
    q = Q()
    for f in fields:
        q |= Q(**{f"{f}__icontains": term})
    return q


STATION_VALUES = (
    "pk",
    "name",
    "society_id",
    "society__name",
    "host_unit__name",
    "level",
    "industry",
    "discipline",
    "certified_on",
    "head_name",
    "head_title",
    "agreement_content",
)


def _station_query(city: City, *, field: str = "", industry: str = "") -> QuerySet:
    qs = _public_stations_qs(city)
    if field:
        qs = qs.filter(_matches(("discipline", "society__discipline", "name"), field))
    if industry:
        qs = qs.filter(
            _matches(("industry", "host_unit__industry", "host_unit__industry_fields"), industry)
        )
    return qs.order_by("name", "id").values(*STATION_VALUES)


def _stations(rows: list[dict]) -> list[PublicStation]:
    team = _team([r["pk"] for r in rows])
    levels = dict(Station._meta.get_field("level").choices)
    return [
        PublicStation(
            pk=r["pk"],
            name=r["name"],
            society_pk=r["society_id"],
            society=r["society__name"],
            host_unit=r["host_unit__name"],
            level=str(levels.get(r["level"], "")),
            industry=r["industry"],
            discipline=r["discipline"],
            certified_on=r["certified_on"],
            head_name=r["head_name"],
            head_title=r["head_title"],
            agreement_content=r["agreement_content"],
            team=tuple(team.get(r["pk"], ())),
        )
        for r in rows
    ]


def public_stations(
    city: City, *, field: str = "", industry: str = "", page=1, society_pk: int | None = None
) -> PublicPage:
    """Return one page of the city's public stations (optionally one society's)."""

    def build():
        qs = _station_query(city, field=field, industry=industry)
        if society_pk is not None:
            qs = qs.filter(society_id=society_pk)
        return _paged(qs, page, _stations)

    return cached_public(("stations", city.pk, field, industry, society_pk, page), build)


def public_station(city: City, pk: int) -> PublicStation | None:
    """Return one public station by its key (None if it is not public in this city)."""

    def build():
        rows = _stations(list(_station_query(city).filter(pk=pk)))
        return rows[0] if rows else False  # False: "not public" is cached too

    return cached_public(("station", city.pk, pk), build) or None


def _public_station_exists() -> Exists:
    return Exists(
        Station.objects.filter(society=OuterRef("pk"), status__in=PUBLIC_STATION_STATUSES)
    )


def _society_query(city: City, *, field: str = "") -> QuerySet:
    qs = Society.objects.filter(_public_station_exists(), city=city)
    if field:
        qs = qs.filter(_matches(("discipline", "name", "duties"), field))
    return qs.order_by("name", "id").values("pk", "name", "level", "discipline", "duties")


def _societies(city: City, rows: list[dict]) -> list[PublicSociety]:
    station_rows = (
        _public_stations_qs(city)
        .filter(society_id__in=[r["pk"] for r in rows])
        .order_by("name", "id")
        .values_list("society_id", "pk", "name")
    )
    by_society: dict[int, list[tuple[int, str]]] = {}
    for society_id, pk, name in station_rows:
        by_society.setdefault(society_id, []).append((pk, name))
    levels = dict(Society._meta.get_field("level").choices)
    return [
        PublicSociety(
            pk=r["pk"],
            name=r["name"],
            level=str(levels.get(r["level"], "")),
            discipline=r["discipline"],
            duties=r["duties"],
            stations=tuple(by_society.get(r["pk"], ())),
        )
        for r in rows
    ]


def public_societies(city: City, *, field: str = "", page=1) -> PublicPage:
    def build():
        return _paged(_society_query(city, field=field), page, lambda rows: _societies(city, rows))

    return cached_public(("societies", city.pk, field, page), build)


def public_society(city: City, pk: int) -> PublicSociety | None:
    """Return one society with a public station in this city, by its key (station names
    are left out: the society page pages them with public_stations)."""

    def build():
        rows = list(_society_query(city).filter(pk=pk))
        if not rows:
            return False
        return _societies_without_stations(rows)[0]

    return cached_public(("society", city.pk, pk), build) or None


def _societies_without_stations(rows: list[dict]) -> list[PublicSociety]:
    levels = dict(Society._meta.get_field("level").choices)
    return [
        PublicSociety(
            pk=r["pk"],
            name=r["name"],
            level=str(levels.get(r["level"], "")),
            discipline=r["discipline"],
            duties=r["duties"],
        )
        for r in rows
    ]


def public_experts(city: City, *, field: str = "", industry: str = "", page=1) -> PublicPage:
    """Experts serving on a public station's current team: name, title, field, society only."""

    def build():
        serving = StationExpert.objects.filter(
            expert=OuterRef("pk"),
            station__city=city,
            station__status__in=PUBLIC_STATION_STATUSES,
            left_on__isnull=True,
        )
        if industry:
            serving = serving.filter(
                _matches(("station__industry", "station__host_unit__industry"), industry)
            )
        qs = Expert.objects.filter(Exists(serving))
        if field:
            qs = qs.filter(_matches(("field", "society__discipline"), field))
        qs = qs.order_by("name", "id").values_list("name", "title", "field", "society__name")

        def convert(rows):
            return [
                PublicExpert(name=name, title=title, field=field_, society=society or "")
                for name, title, field_, society in rows
            ]

        return _paged(qs, page, convert)

    return cached_public(("experts", city.pk, field, industry, page), build)
