"""Demo data for the five cities and one demo login per role per city.

The data lives in ``fixtures/demo/<city>.json`` (see ``fixtures/demo/README.md``); this module
turns it into rows. Every write is keyed by a natural key, so loading twice changes nothing:
societies and stations by city + name, host units by city + credit code, experts by
city + name + employer, users by username, activity records by station + kind + date + title.
A row is saved only when a value differs, so simple-history gains no rows on a re-run.

Activity records are not in the fixtures: ``activity_plan`` generates them from a fixed seed
per station, so every machine gets the same numbers.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import random
import re
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from accounts.models import User
from accounts.roles import Role
from stations.choices import ActivityKind, Level, StationStatus
from stations.models import (
    ActivityRecord,
    City,
    CreditFlag,
    District,
    Expert,
    HostUnit,
    Society,
    SocietyInspection,
    Station,
    StationExpert,
    StationStaff,
    StationStatusChange,
)
from stations.reference import ensure_reference_cities

DEMO_PASSWORD = "Demo@2026ssp"
# The fixtures tell their story as seen on this day: their last dated event is before it.
AUTHORED_AS_OF = date(2026, 10, 31)
# The generated activity of an operating station starts here (in authored years).
AUTHORED_ACTIVITY_FROM = date(2024, 1, 1)
CITY_CODES = ("shenyang", "yiyang", "lianyungang", "guiyang", "hangzhou")
FIXTURE_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo"
TZ = ZoneInfo("Asia/Shanghai")

# username suffix -> role, in the order the login table is printed.
LOGIN_ROLES = (
    ("admin", Role.CITY_ADMIN),
    ("society", Role.SOCIETY_STAFF),
    ("host", Role.HOST_STAFF),
    ("county", Role.COUNTY_REVIEWER),
    ("expert", Role.EXPERT_REVIEWER),
    ("talent", Role.TALENT_OFFICE),
    ("finance", Role.FINANCE),
)

# A station is in operation from the first of these states on...
OPERATING_STATUSES = {StationStatus.FILED, StationStatus.CERTIFIED, StationStatus.KEY_SUPPORTED}
# ...and stops at the first of these.
TERMINAL_STATUSES = {StationStatus.REVOKED, StationStatus.DELISTED, StationStatus.EXPIRED}
# Guiyang 三(三): yearly technical demands a station must serve, by level.
GUIYANG_DEMAND_FLOOR = {Level.NATIONAL: 10, Level.PROVINCIAL: 5, Level.CITY: 3}

# The policies app's function that creates a city's default policy version, if it has one.
POLICY_HOOK_PER_CITY = "policy_version_ensure_initial"
POLICY_HOOK_NAMES = ("ensure_default_versions", "ensure_default_policy_versions")


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    city: str
    scope: str
    created: bool


@dataclass
class DemoResult:
    logins: list[DemoLogin] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)
    policy_hook: str = ""
    today: date | None = None
    clocks: dict[str, DemoClock] = field(default_factory=dict)  # per city
    # Steps the load day does not allow yet, each with what to do (printed by load_demo).
    pending: list[str] = field(default_factory=list)

    def count(self, label: str, created: bool) -> None:
        if created:
            self.created[label] = self.created.get(label, 0) + 1


# --------------------------------------------------------------------------- the demo's clock

YEAR_IN_TEXT = re.compile(r"(?<![\d-])(20\d\d)(?![\d-])")
ISO_DAY = re.compile(r"^(\d{4})-(\d\d)-(\d\d)$")


def shift_years(day: date, years: int) -> date:
    """Move a date by whole years (29 February lands on 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class DemoClock:
    """Where the demo stands in time: the day it is loaded, and how far its story moves.

    The fixtures are written as seen on AUTHORED_AS_OF. Loaded on another day, every date
    and every year named in their texts moves by the same whole number of years, so the
    story always ends within the year before the load day: nothing in it is in the future,
    and nothing is more than a year stale. The workflow objects (calls, notices, rounds,
    payments) are placed relative to `today` and the city's policy (demo.workflows).
    """

    today: date
    shift: int

    @classmethod
    def on(cls, today: date, *, shift: int | None = None) -> DemoClock:
        if shift is None:
            shift = today.year - AUTHORED_AS_OF.year
            if (today.month, today.day) < (AUTHORED_AS_OF.month, AUTHORED_AS_OF.day):
                shift -= 1
        return cls(today=today, shift=shift)

    @property
    def as_of(self) -> date:
        """The last day of generated activity: yesterday (today's work is not recorded yet)."""
        return self.today - timedelta(days=1)

    @property
    def activity_from(self) -> date:
        return shift_years(AUTHORED_ACTIVITY_FROM, self.shift)

    @property
    def story_year(self) -> int:
        """The authored year 2026 as it falls on this clock (the story's "this year")."""
        return AUTHORED_AS_OF.year + self.shift

    @property
    def inspection_offset(self) -> int:
        """Years to add to an inspection year already moved by `shift`.

        The fixtures hold each society's annual inspections up to the year before
        AUTHORED_AS_OF. Whatever the shift, the demo keeps them up to the year before the
        load day: the rules read "the two years before the application year" (e.g. 杭州
        附件第五条(二)), and on 1 January last year's inspection must be on file.
        """
        return (self.today.year - 1) - (AUTHORED_AS_OF.year - 1) - self.shift

    def day(self, authored: date) -> date:
        return shift_years(authored, self.shift)

    def text(self, value: str) -> str:
        if not self.shift:
            return value
        if ISO_DAY.match(value):
            return self.day(date.fromisoformat(value)).isoformat()
        return YEAR_IN_TEXT.sub(lambda m: str(int(m.group(1)) + self.shift), value)

    def fixture(self, value: Any) -> Any:
        """The fixture with every date and year in it moved by `shift` years."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.fixture(item) for item in value]
        if isinstance(value, dict):
            return {self.text(k): self.fixture(v) for k, v in value.items()}
        return value


def loaded_shift(city_code: str, data: dict[str, Any]) -> int | None:
    """The shift a city's demo was first loaded with (None: not loaded yet).

    A later run keeps the story where the first one put it, so reloading on another day
    never moves rows that exist already; only the workflow objects follow the new day.
    """
    for spec in data["stations"]:
        for name in ("term_start", "certified_on", "agreement_signed_on"):
            if not spec.get(name):
                continue
            stored = (
                Station.objects.filter(city__code=city_code, name=spec["name"])
                .values_list(name, flat=True)
                .first()
            )
            if stored is None:
                break  # station not loaded (or field empty there): look at the next one
            return stored.year - date.fromisoformat(spec[name]).year
    return None


_clock: ContextVar[DemoClock] = ContextVar("demo_clock")


def demo_clock() -> DemoClock:
    """The clock of the load in progress (the real local day outside a load)."""
    clock = _clock.get(None)
    return clock if clock is not None else DemoClock.on(timezone.localdate())


# --------------------------------------------------------------------------- fixtures


def load_fixture(city_code: str, fixture_dir: Path | None = None) -> dict[str, Any]:
    path = (fixture_dir or FIXTURE_DIR) / f"{city_code}.json"
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _digits(seed: str, n: int) -> str:
    """Return n digits derived from seed (stable across runs and machines)."""
    out = ""
    counter = 0
    while len(out) < n:
        out += str(int(hashlib.sha256(f"{seed}#{counter}".encode()).hexdigest(), 16))
        counter += 1
    return out[:n]


MOBILE_PREFIXES = ("135", "136", "137", "138", "139", "150", "151", "152", "158", "159", "182")
MOBILE_PREFIXES += ("183", "187", "188", "130", "131", "132", "155", "156", "186", "133", "153")
MOBILE_PREFIXES += ("180", "189", "177", "199")


def demo_mobile(seed: str) -> str:
    """Return a well-formed mainland mobile number derived from seed."""
    digits = _digits(seed, 10)
    return MOBILE_PREFIXES[int(digits[:2]) % len(MOBILE_PREFIXES)] + digits[2:10]


def demo_bank_account(seed: str, length: int = 19) -> str:
    return "6" + _digits(f"bank:{seed}", length - 1)


def _bank_branch(address: str) -> str:
    city = address[: address.index("市") + 1] if "市" in address else ""
    return f"中国建设银行{city}分行营业部"


# --------------------------------------------------------------------------- writes


def _upsert(model: type[models.Model], lookup: dict, values: dict) -> tuple[Any, bool]:
    """Create the row found by lookup, or bring its values up to date; save only on change."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
        obj.save()
        return obj, True
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.full_clean()
        obj.save()
    return obj, False


def _contact_values(spec: dict, seed: str) -> dict:
    return {
        "contact_name": spec.get("contact_name", ""),
        "contact_mobile": spec.get("contact_mobile") or demo_mobile(f"{seed}:contact"),
        "contact_phone": spec.get("contact_phone", ""),
        "contact_email": spec.get("contact_email", ""),
        "address": spec.get("address", ""),
        "postcode": spec.get("postcode", ""),
    }


def _load_societies(city: City, data: dict, result: DemoResult) -> dict[str, Society]:
    societies: dict[str, Society] = {}
    for spec in data["societies"]:
        seed = f"{city.code}:{spec['name']}"
        values = {
            "level": spec["level"],
            "parent": societies[spec["parent"]] if spec.get("parent") else None,
            "branch_kind": spec.get("branch_kind", ""),
            "discipline": spec["discipline"],
            "supervising_cast": spec["supervising_cast"],
            "rating": spec.get("rating", ""),
            "legal_rep": spec.get("legal_rep", ""),
            "legal_rep_title": spec.get("legal_rep_title", ""),
            "duties": spec.get("duties", ""),
            "bank_account_name": spec["name"],
            "bank_name": spec.get("bank_name") or _bank_branch(spec.get("address", "")),
            "bank_account_no": demo_bank_account(seed, 17),
            **_contact_values(spec, seed),
        }
        society, created = _upsert(Society, {"city": city, "name": spec["name"]}, values)
        result.count("学会", created)
        for year, outcome in spec.get("inspections", {}).items():
            year = int(year) + demo_clock().inspection_offset
            _, created = _upsert(
                SocietyInspection, {"society": society, "year": year}, {"result": outcome}
            )
            result.count("年检结果", created)
        societies[spec["name"]] = society
    return societies


def _load_host_units(
    city: City, data: dict, districts: dict[str, District], result: DemoResult
) -> dict[str, HostUnit]:
    hosts: dict[str, HostUnit] = {}
    for spec in data["host_units"]:
        code = spec["credit_code"].upper()
        values = {
            "name": spec["name"],
            "district": districts[spec["district"]],
            "nature": spec["nature"],
            "legal_rep": spec["legal_rep"],
            "registered_city": spec.get("registered_city", f"{city.name}市"),
            "industry": spec.get("industry", ""),
            "industry_fields": spec.get("industry_fields", ""),
            "is_legal_person": spec.get("is_legal_person", True),
            "has_own_cast": spec.get("has_own_cast", False),
            "has_expert_workstation": spec.get("has_expert_workstation", False),
            "profile": spec.get("profile", ""),
            "bank_account_name": spec["name"],
            "bank_name": spec.get("bank_name", ""),
            "bank_account_no": demo_bank_account(code),
            **_contact_values(spec, f"{city.code}:{code}"),
        }
        host, created = _upsert(HostUnit, {"city": city, "credit_code": code}, values)
        result.count("建站单位", created)
        hosts[spec["name"]] = host
    return hosts


def _load_experts(
    city: City, data: dict, societies: dict[str, Society], result: DemoResult
) -> dict[str, Expert]:
    experts: dict[str, Expert] = {}
    for spec in data["experts"]:
        values = {
            "society": societies[spec["society"]] if spec.get("society") else None,
            "title": spec["title"],
            "field": spec["field"],
            "province": spec["province"],
            "mobile": spec.get("mobile") or demo_mobile(f"{city.code}:expert:{spec['name']}"),
            "email": spec.get("email", ""),
            "bio": spec.get("bio")
            or f"{spec['employer']}{spec['title']}，从事{spec['field']}研究。",
            "is_reviewer": spec.get("is_reviewer", False),
        }
        lookup = {"city": city, "name": spec["name"], "employer": spec["employer"]}
        expert, created = _upsert(Expert, lookup, values)
        result.count("专家", created)
        experts[spec["name"]] = expert
    return experts


def _load_credit_flags(
    data: dict,
    societies: dict[str, Society],
    hosts: dict[str, HostUnit],
    experts: dict[str, Expert],
    result: DemoResult,
) -> None:
    for spec in data.get("credit_flags", []):
        lookup = {
            "kind": spec["kind"],
            "recorded_on": _date(spec["recorded_on"]),
            "society": societies.get(spec.get("society")),
            "host_unit": hosts.get(spec.get("host_unit")),
            "expert": experts.get(spec.get("expert")),
        }
        values = {
            "party": spec.get("party", "organisation"),
            "source": spec["source"],
            "lifted_on": _date(spec.get("lifted_on")),
            "note": spec.get("note", ""),
        }
        _, created = _upsert(CreditFlag, lookup, values)
        result.count("信用记录", created)


def _changed_at(day: date, index: int) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=TZ) + timedelta(minutes=index)


def _load_station(
    city: City,
    spec: dict,
    *,
    districts: dict[str, District],
    societies: dict[str, Society],
    hosts: dict[str, HostUnit],
    experts: dict[str, Expert],
    result: DemoResult,
) -> Station:
    history = spec["history"]
    existing = Station.objects.filter(city=city, name=spec["name"]).first()
    # Status and its history are seeded once; afterwards the workflow owns them, so a
    # re-run never undoes a transition someone made in the running demo.
    seed_status = existing is None or not existing.status_changes.exists()
    head = spec.get("head", {})
    values = {
        "district": districts[spec["district"]],
        "society": societies[spec["society"]],
        "host_unit": hosts[spec["host_unit"]],
        "level": spec["level"],
        "program": spec["program"],
        "certificate_no": spec.get("certificate_no", ""),
        "certified_on": _date(spec.get("certified_on")),
        "industry": spec.get("industry", ""),
        "discipline": spec.get("discipline", ""),
        "agreement_signed_on": _date(spec.get("agreement_signed_on")),
        "term_start": _date(spec.get("term_start")),
        "term_end": _date(spec.get("term_end")),
        "agreement_content": spec.get("agreement_content", ""),
        "head_name": head.get("name", ""),
        "head_title": head.get("title", ""),
        "head_mobile": head.get("mobile") or demo_mobile(f"{city.code}:head:{head.get('name')}"),
    }
    if seed_status:
        values["status"] = history[-1][0]
    station, created = _upsert(Station, {"city": city, "name": spec["name"]}, values)
    result.count("服务站", created)

    if seed_status:
        previous = ""
        for index, (to_status, day, reason, clause) in enumerate(history):
            _, created = _upsert(
                StationStatusChange,
                {
                    "station": station,
                    "to_status": to_status,
                    "changed_at": _changed_at(_date(day), index),
                },
                {"from_status": previous, "reason": reason, "clause": clause},
            )
            result.count("状态变更", created)
            previous = to_status

    default_join = values["agreement_signed_on"] or values["term_start"]
    for member in spec.get("team", []):
        _, created = _upsert(
            StationExpert,
            {
                "station": station,
                "expert": experts[member["expert"]],
                "joined_on": _date(member.get("joined_on")) or default_join,
            },
            {"role": member.get("role", "member"), "left_on": _date(member.get("left_on"))},
        )
        result.count("专家团队成员", created)

    for person in spec.get("staff", []):
        _, created = _upsert(
            StationStaff,
            {"station": station, "name": person["name"]},
            {
                "position": person["position"],
                "mobile": person.get("mobile")
                or demo_mobile(f"{city.code}:staff:{person['name']}"),
            },
        )
        result.count("工作人员", created)
    return station


# --------------------------------------------------------------------------- activity


@dataclass(frozen=True)
class PlannedActivity:
    kind: str
    date: date
    title: str
    description: str = ""
    quantity: int = 1
    trainees: int | None = None


@dataclass(frozen=True)
class Profile:
    """Yearly ranges (inclusive) of what a station of this performance records."""

    onsite_days_per_quarter: tuple[int, int]
    visits_per_quarter: tuple[int, int]
    survey: tuple[int, int]
    survey_result: tuple[int, int]
    training: tuple[int, int]
    trainees: tuple[int, int]
    breakthrough: tuple[int, int]
    problem_solved: tuple[int, int]
    achievement_transfer: tuple[int, int]
    demand_extra: tuple[int, int]
    suggestion: tuple[int, int]
    standard: tuple[int, int]
    award: tuple[int, int]
    academic_exchange: tuple[int, int]
    talent: tuple[int, int]
    demand_share: float  # share of the demand floor a station reaches
    progress_pace: float  # agreement progress relative to elapsed term


PROFILES = {
    # Comfortably above every city's yearly minimum (e.g. 益阳 第十二条, 贵阳 三(三)).
    "strong": Profile(
        onsite_days_per_quarter=(14, 20),
        visits_per_quarter=(3, 4),
        survey=(3, 4),
        survey_result=(1, 2),
        training=(3, 4),
        trainees=(80, 220),
        breakthrough=(2, 3),
        problem_solved=(3, 5),
        achievement_transfer=(3, 4),
        demand_extra=(2, 5),
        suggestion=(2, 4),
        standard=(1, 1),
        award=(0, 1),
        academic_exchange=(2, 3),
        talent=(1, 3),
        demand_share=1.0,
        progress_pace=1.3,
    ),
    "normal": Profile(
        onsite_days_per_quarter=(11, 16),
        visits_per_quarter=(2, 4),
        survey=(2, 3),
        survey_result=(1, 1),
        training=(2, 3),
        trainees=(55, 160),
        breakthrough=(1, 2),
        problem_solved=(2, 4),
        achievement_transfer=(2, 3),
        demand_extra=(0, 3),
        suggestion=(1, 3),
        standard=(0, 1),
        award=(0, 1),
        academic_exchange=(1, 2),
        talent=(1, 2),
        demand_share=1.0,
        progress_pace=1.15,
    ),
    # Below the minimums, so the assessments have failing stations to show.
    "weak": Profile(
        onsite_days_per_quarter=(3, 8),
        visits_per_quarter=(1, 2),
        survey=(1, 1),
        survey_result=(0, 1),
        training=(1, 1),
        trainees=(25, 45),
        breakthrough=(0, 1),
        problem_solved=(0, 1),
        achievement_transfer=(0, 1),
        demand_extra=(0, 0),
        suggestion=(0, 1),
        standard=(0, 0),
        award=(0, 0),
        academic_exchange=(0, 1),
        talent=(0, 1),
        demand_share=0.5,
        progress_pace=0.75,
    ),
}

SUGGESTION_THEMES = ("高质量发展", "人才引进与培养", "关键核心技术攻关", "产业链协同创新")
ADOPTERS = ("获市政府领导批示", "被县（市、区）政府采纳", "被市科技局采纳", "被市工信局采纳")
AWARDS = ("市科学技术进步奖三等奖", "市科学技术进步奖二等奖", "省科学技术进步奖三等奖", "省科普奖")
TALENT_KINDS = ("柔性引进高层次专家", "引进博士研究生", "聘请企业技术顾问", "联合培养研究生")
STANDARD_KINDS = ("团体标准", "地方标准", "企业标准")


def _weekdays(first: date, last: date) -> list[date]:
    days = (last - first).days + 1
    return [first + timedelta(n) for n in range(days) if (first + timedelta(n)).weekday() < 5]


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for dom in (day.day, 30, 29, 28):
        try:
            return date(year, month, dom)
        except ValueError:
            continue
    raise ValueError(day)


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """Split total into parts positive integers (fewer parts when total is small)."""
    parts = max(1, min(parts, total))
    cuts = sorted(rng.sample(range(1, total), parts - 1)) if parts > 1 else []
    bounds = [0, *cuts, total]
    return [b - a for a, b in zip(bounds, bounds[1:], strict=False)]


def activity_plan(
    *,
    seed: str,
    start: date,
    end: date,
    performance: str = "normal",
    topics: Sequence[str] = ("技术需求对接",),
    industry: str = "",
    place: str = "",
    demand_floor: int = 2,
    term_start: date | None = None,
    term_end: date | None = None,
) -> list[PlannedActivity]:
    """Return a station's activity between start and end, the same for the same seed.

    Each calendar year is drawn in full and then cut to the window, so a later end only
    adds records and never changes the earlier ones.
    """
    draw = _YearDraw(
        rng=random.Random(seed),
        profile=PROFILES[performance],
        topics=list(topics) or ["技术需求对接"],
        industry=industry,
        place=place,
        demand_floor=demand_floor,
    )
    plan = [
        item
        for year in range(start.year, end.year + 1)
        for item in draw.year(year)
        if start <= item.date <= end
    ]
    if term_start and term_end:
        plan.extend(_progress_plan(draw.rng, draw.profile, term_start, term_end, start, end))
    plan.sort(key=lambda a: (a.date, a.kind, a.title))
    return plan


@dataclass
class _YearDraw:
    """Draws one station's records for one calendar year at a time, from one rng."""

    rng: random.Random
    profile: Profile
    topics: list[str]
    industry: str
    place: str
    demand_floor: int

    def _between(self, low_high: tuple[int, int]) -> int:
        return self.rng.randint(*low_high)

    def _days(self, n: int, first: date, last: date) -> list[date]:
        pool = _weekdays(first, last)
        return sorted(self.rng.sample(pool, min(n, len(pool))))

    def _records(self, kind: str, n: int, year: int, make) -> list[PlannedActivity]:
        out = []
        for day in self._days(n, date(year, 1, 1), date(year, 12, 31)):
            title, description, extra = make(self.rng.choice(self.topics))
            out.append(PlannedActivity(kind, day, title, description, **extra))
        return out

    def _onsite(self, year: int) -> list[PlannedActivity]:
        out = []
        for quarter in range(4):
            first = date(year, 3 * quarter + 1, 1)
            last = _add_months(first, 3) - timedelta(days=1)
            total = self._between(self.profile.onsite_days_per_quarter)
            shares = _split(total, self._between(self.profile.visits_per_quarter), self.rng)
            for day, days in zip(self._days(len(shares), first, last), shares, strict=False):
                topic = self.rng.choice(self.topics)
                out.append(
                    PlannedActivity(
                        ActivityKind.EXPERT_ONSITE,
                        day,
                        f"专家团队到站指导：{topic}",
                        f"专家到站开展{topic}现场技术指导，累计{days}人·天。",
                        quantity=days,
                    )
                )
        return out

    def year(self, year: int) -> list[PlannedActivity]:
        p, rng, between = self.profile, self.rng, self._between
        place, industry = self.place, self.industry
        out = self._onsite(year)

        def add(kind: str, n: int, make) -> None:
            out.extend(self._records(kind, n, year, make))

        add(
            ActivityKind.SURVEY,
            between(p.survey),
            lambda t: (
                f"{place}{industry}产业技术需求调研",
                f"走访企业{rng.randint(5, 18)}家，梳理“{t}”等技术需求{rng.randint(6, 25)}项。",
                {},
            ),
        )
        add(
            ActivityKind.SURVEY_RESULT,
            between(p.survey_result),
            lambda t: (
                f"《{place}{industry}产业{t}调研报告》",
                "形成调研报告并报送市科协和有关部门。",
                {},
            ),
        )

        def training(topic: str):
            trainees = between(p.trainees)
            return (
                f"{topic}专题培训班",
                f"专家授课并现场实操，培训技术人员和一线职工{trainees}人次。",
                {"trainees": trainees},
            )

        add(ActivityKind.TRAINING, between(p.training), training)
        add(
            ActivityKind.BREAKTHROUGH,
            between(p.breakthrough),
            lambda t: (f"突破{t}关键技术", "联合攻关完成中试验证，关键指标达到合同要求。", {}),
        )
        add(
            ActivityKind.PROBLEM_SOLVED,
            between(p.problem_solved),
            lambda t: (f"协助企业解决{t}难题", "专家现场诊断并提出改进方案，企业已实施。", {}),
        )
        add(
            ActivityKind.ACHIEVEMENT_TRANSFER,
            between(p.achievement_transfer),
            lambda t: (
                f"“{t}”技术成果转化应用",
                f"签订技术转让（许可）合同，合同金额{rng.randint(5, 120)}万元。",
                {},
            ),
        )
        add(
            ActivityKind.DEMAND_SERVED,
            round(self.demand_floor * p.demand_share) + between(p.demand_extra),
            lambda t: (f"对接企业技术需求：{t}", "需求经专家团队对接并形成服务方案。", {}),
        )
        submitted = between(p.suggestion)
        add(
            ActivityKind.SUGGESTION_SUBMITTED,
            submitted,
            lambda t: (f"关于推进{place}{industry}{rng.choice(SUGGESTION_THEMES)}的建议", "", {}),
        )
        add(
            ActivityKind.SUGGESTION_ADOPTED,
            rng.randint(0, submitted),
            lambda t: (f"“{t}”相关决策建议{rng.choice(ADOPTERS)}", "", {}),
        )
        add(
            ActivityKind.STANDARD,
            between(p.standard),
            lambda t: (f"参与制定《{t}技术规范》{rng.choice(STANDARD_KINDS)}", "", {}),
        )
        add(
            ActivityKind.AWARD,
            between(p.award),
            lambda t: (f"“{t}”项目获{rng.choice(AWARDS)}", "", {}),
        )
        add(
            ActivityKind.ACADEMIC_EXCHANGE,
            between(p.academic_exchange),
            lambda t: (f"{industry}{t}学术研讨会", f"参会{rng.randint(40, 160)}人。", {}),
        )
        add(
            ActivityKind.TALENT,
            between(p.talent),
            lambda t: (f"{rng.choice(TALENT_KINDS)}（{t}方向）", "", {}),
        )
        return out


def _progress_plan(
    rng: random.Random, profile: Profile, term_start: date, term_end: date, start: date, end: date
) -> Iterable[PlannedActivity]:
    """Half-yearly agreement progress (%), cumulative, reaching 100 at term end if on pace."""
    span = (term_end - term_start).days or 1
    reported = 0
    half = 1
    while True:
        day = _add_months(term_start, 6 * half) - timedelta(days=1)
        if day > term_end + timedelta(days=1):
            break
        pace = profile.progress_pace * (day - term_start).days / span
        percent = max(reported, min(100, round(100 * pace) + rng.randint(-3, 3)))
        percent = min(percent, 100)
        reported = percent
        if start <= day <= end:
            year_no, part = (half + 1) // 2, "上半年" if half % 2 else "下半年"
            yield PlannedActivity(
                ActivityKind.AGREEMENT_PROGRESS,
                day,
                f"协议执行第{year_no}年{part}进度",
                f"协议约定任务累计完成{percent}%。",
                quantity=percent,
            )
        half += 1


def station_activity_window(station: Station, history: Sequence[Sequence[str]]):
    """Return (start, end) of the station's operation within the demo period, or None."""
    operating = [_date(day) for status, day, *_ in history if status in OPERATING_STATUSES]
    if not operating:
        return None
    clock = demo_clock()
    start = max(operating[0], station.term_start or operating[0], clock.activity_from)
    end = min(clock.as_of, station.term_end or clock.as_of)
    stopped = [_date(day) for status, day, *_ in history if status in TERMINAL_STATUSES]
    if stopped:
        end = min(end, stopped[0])
    return (start, end) if start <= end else None


def _load_activity(city: City, station: Station, spec: dict, result: DemoResult) -> None:
    window = station_activity_window(station, spec["history"])
    if window is None:
        return
    troubled = spec["history"][-1][0] in {
        StationStatus.RECTIFICATION,
        StationStatus.SUSPENDED,
        StationStatus.REVOKED,
        StationStatus.DELISTED,
    }
    performance = spec.get("performance") or ("weak" if troubled else "normal")
    floor = GUIYANG_DEMAND_FLOOR.get(station.level, 3) if city.code == "guiyang" else 2
    plan = activity_plan(
        seed=f"ssp-demo:{city.code}:{station.name}",
        start=window[0],
        end=window[1],
        performance=performance,
        topics=spec.get("topics", ()),
        industry=station.industry,
        place=station.district.name if station.district else city.name,
        demand_floor=floor,
        term_start=station.term_start,
        term_end=station.term_end,
    )
    existing = {(r.kind, r.date, r.title): r for r in station.activities.all()}
    new: list[ActivityRecord] = []
    for item in plan:
        values = {
            "description": item.description,
            "quantity": item.quantity,
            "trainees": item.trainees,
        }
        record = existing.get((item.kind, item.date, item.title))
        if record is None:
            record = ActivityRecord(
                station=station, kind=item.kind, date=item.date, title=item.title, **values
            )
            record.clean_fields(exclude=["station", "created_by"])
            new.append(record)
        elif any(getattr(record, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(record, k, v)
            record.save()
    ActivityRecord.objects.bulk_create(new)
    if new:
        result.created["活动记录"] = result.created.get("活动记录", 0) + len(new)


# --------------------------------------------------------------------------- users


def _ensure_user(
    username: str, values: dict, result: DemoResult, password_hash: str
) -> tuple[User, bool]:
    """Create the user with the demo password, or update role and scope (never the password)."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, password=password_hash, **values)
        user.full_clean()
        user.save()
        result.count("演示账号", True)
        return user, True
    changed = [name for name, value in values.items() if getattr(user, name) != value]
    if changed:
        for name in changed:
            setattr(user, name, values[name])
        user.full_clean()
        user.save()
    return user, False


def _load_logins(
    city: City,
    data: dict,
    *,
    districts: dict[str, District],
    societies: dict[str, Society],
    hosts: dict[str, HostUnit],
    experts: dict[str, Expert],
    stations: dict[str, Station],
    result: DemoResult,
    password_hash: str,
) -> None:
    specs = data["logins"]
    blank_scope = dict.fromkeys(("city", "district", "society", "host_unit", "expert"))
    for suffix, role in LOGIN_ROLES:
        spec = specs[role.value]
        username = f"{city.code}_{suffix}"
        scope = dict(blank_scope, city=city)
        label = city.name
        if role == Role.SOCIETY_STAFF:
            scope["society"] = societies[spec["society"]]
            label = f"{city.name} · {spec['society']}"
        elif role == Role.HOST_STAFF:
            scope["host_unit"] = hosts[spec["host_unit"]]
            label = f"{city.name} · {spec['host_unit']}"
        elif role == Role.COUNTY_REVIEWER:
            scope["district"] = districts[spec["district"]]
            label = f"{city.name} · {spec['district']}"
        elif role == Role.EXPERT_REVIEWER:
            scope["expert"] = experts[spec["expert"]]
            label = f"{city.name} · 专家 {spec['expert']}"
        full_name = spec.get("full_name") or spec.get("expert", "")
        user, created = _ensure_user(
            username,
            {
                "role": role,
                "full_name": full_name,
                "mobile": demo_mobile(f"user:{username}"),
                "is_staff": role == Role.CITY_ADMIN,
                "is_superuser": False,
                **scope,
            },
            result,
            password_hash,
        )
        for name in spec.get("review_stations", []):
            # Expert reviewers see only what is assigned to them (guardian object grants).
            for perm in ("stations.view_station", "stations.review_station"):
                assign_perm(perm, user, stations[name])
        result.logins.append(DemoLogin(username, role.label, city.name, label, created))


# Platform-wide logins: the system administrator, and the security and audit administrators
# whose duties are kept apart from it (三员分立).
PLATFORM_LOGINS = (
    ("admin", Role.SUPERUSER, "平台管理员（演示）", "全平台"),
    ("security", Role.SECURITY_ADMIN, "安全管理员（演示）", "账号与会话"),
    ("auditor", Role.AUDIT_ADMIN, "审计管理员（演示）", "审计日志"),
)


def _ensure_platform_logins(result: DemoResult, password_hash: str) -> None:
    for username, role, full_name, scope_label in PLATFORM_LOGINS:
        is_root = role == Role.SUPERUSER
        user, created = _ensure_user(
            username,
            {"role": role, "full_name": full_name, "is_staff": is_root, "is_superuser": is_root},
            result,
            password_hash,
        )
        result.logins.append(DemoLogin(user.username, role.label, "—", scope_label, created))


# --------------------------------------------------------------------------- policies


def _ensure_policy_versions(cities: Iterable[City]) -> str:
    """HOOK: let the policies app create each city's default policy version.

    The policies app is built separately: use its per-city function when present, else a
    no-argument one by any of POLICY_HOOK_NAMES; without either the demo loads anyway.
    """
    if importlib.util.find_spec("policies.services") is None:
        return "未找到 policies.services，跳过默认政策版本"
    services = importlib.import_module("policies.services")
    per_city = getattr(services, POLICY_HOOK_PER_CITY, None)
    if callable(per_city):
        names = [city.name for city in cities if per_city(city=city)]
        return f"已确认默认政策版本（policies.services.{POLICY_HOOK_PER_CITY}）：{'、'.join(names)}"
    for name in POLICY_HOOK_NAMES:
        hook = getattr(services, name, None)
        if callable(hook):
            hook()
            return f"已调用 policies.services.{name}()"
    return "policies.services 未提供默认政策版本函数，跳过"


# --------------------------------------------------------------------------- entry point


@transaction.atomic
def demo_load(
    *,
    cities: Sequence[str] = CITY_CODES,
    fixture_dir: Path | None = None,
) -> DemoResult:
    """Load the demo data of the given cities and their logins; repeatable without duplicates.

    The local date of the load places the demo in time (DemoClock): the services it drives
    check their dates against the same clock, so tests move the clock (time-machine).
    """
    today = timezone.localdate()
    result = DemoResult(today=today)
    # One hash for the one shared demo password: hashing it per user would cost seconds.
    password_hash = make_password(DEMO_PASSWORD)
    ensure_reference_cities(City, District)
    result.policy_hook = _ensure_policy_versions(City.objects.filter(code__in=cities))
    for code in cities:
        raw = load_fixture(code, fixture_dir)
        clock = DemoClock.on(today, shift=loaded_shift(code, raw))
        result.clocks[code] = clock
        token = _clock.set(clock)
        try:
            _load_city(clock.fixture(raw), result, password_hash)
        finally:
            _clock.reset(token)
    _ensure_platform_logins(result, password_hash)
    from .workflows import load_workflows  # calls, applications, grants, demands

    load_workflows(cities, result, password=DEMO_PASSWORD)
    return result


def _load_city(data: dict[str, Any], result: DemoResult, password_hash: str) -> None:
    """Master data, activity and logins of one city (the clock of its load is set)."""
    city = City.objects.get(code=data["city"])
    districts = {d.name: d for d in city.districts.all()}
    societies = _load_societies(city, data, result)
    hosts = _load_host_units(city, data, districts, result)
    experts = _load_experts(city, data, societies, result)
    _load_credit_flags(data, societies, hosts, experts, result)
    stations: dict[str, Station] = {}
    for spec in data["stations"]:
        station = _load_station(
            city,
            spec,
            districts=districts,
            societies=societies,
            hosts=hosts,
            experts=experts,
            result=result,
        )
        _load_activity(city, station, spec, result)
        stations[spec["name"]] = station
    _load_logins(
        city,
        data,
        districts=districts,
        societies=societies,
        hosts=hosts,
        experts=experts,
        stations=stations,
        result=result,
        password_hash=password_hash,
    )
