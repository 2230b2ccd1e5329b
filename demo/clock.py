"""The demo's clock: the day it is loaded and how far the fixtures' story moves in years."""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from stations.models import (
    Station,
)

# The fixtures tell their story as seen on this day: their last dated event is before it.
AUTHORED_AS_OF = date(2026, 10, 31)
# The generated activity of an operating station starts here (in authored years).
AUTHORED_ACTIVITY_FROM = date(2024, 1, 1)

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
