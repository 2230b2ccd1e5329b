"""What every demo loader shares: constants, the result of a load, fixtures, natural-key writes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models

from accounts.roles import Role
from stations.choices import Level, StationStatus

from .clock import DemoClock

DEMO_PASSWORD = "Demo@2026ssp"
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
