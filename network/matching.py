"""Rank stations and experts for a demand by field and industry fit: pure functions, no ORM.

The scoring is the same on SQLite and PostgreSQL because it runs in Python over one city's
candidates (a city has tens of stations and hundreds of experts). Chinese has no spaces,
so text is compared as sets of character bigrams (“机械工程” → 机械 械工 工程); Latin and
digit runs count as whole lower-cased words. Out of 100 points:

- 领域一致 35: the demand's field equals, or contains / is contained in, one of the
  candidate's fields (expert: field, society discipline; station: discipline, society's).
- 产业一致 25: the same test on industries (station: its industry, the host unit's industry
  and industry fields; expert: the industries of the stations they serve).
- 领域相近 20 × the best Dice coefficient between the field's bigrams and a candidate field's.
- 内容相关 20 × the overlap coefficient |D ∩ P| / min(|D|, |P|) between the bigrams of the
  demand's title + description and the candidate's profile text.

An exact field match therefore always outranks a candidate that matches only by wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_noop

FIELD_EXACT = 35
INDUSTRY_EXACT = 25
FIELD_SIMILAR = 20
TEXT_RELATED = 20

_RUN = re.compile(r"[\u3400-\u9fff]+|[A-Za-z0-9]+")


def bigrams(text: str) -> frozenset[str]:
    """Return the character bigrams of the CJK runs and the lower-cased Latin/digit words."""
    tokens: set[str] = set()
    for run in _RUN.findall(text or ""):
        if run.isascii():
            tokens.add(run.lower())
        elif len(run) == 1:
            tokens.add(run)
        else:
            tokens.update(run[i : i + 2] for i in range(len(run) - 1))
    return frozenset(tokens)


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text or "").lower()


def same_term(a: str, b: str) -> bool:
    """Return True when two field/industry names are equal or one contains the other."""
    a, b = _norm(a), _norm(b)
    if not a or not b:
        return False
    return a == b or (min(len(a), len(b)) >= 2 and (a in b or b in a))


@dataclass(frozen=True)
class Query:
    field: str
    industry: str
    text: str


@dataclass(frozen=True)
class Profile:
    fields: tuple[str, ...]
    industries: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Part:
    label: str
    points: float
    max_points: int


@dataclass(frozen=True)
class Score:
    total: float
    parts: tuple[Part, ...]


def score(query: Query, profile: Profile) -> Score:
    fields = [f for f in profile.fields if f]
    industries = [i for i in profile.industries if i]
    field_grams = bigrams(query.field)
    parts = (
        Part(
            gettext_noop("领域一致"),
            FIELD_EXACT if any(same_term(query.field, f) for f in fields) else 0,
            FIELD_EXACT,
        ),
        Part(
            gettext_noop("产业一致"),
            INDUSTRY_EXACT if any(same_term(query.industry, i) for i in industries) else 0,
            INDUSTRY_EXACT,
        ),
        Part(
            gettext_noop("领域相近"),
            round(
                FIELD_SIMILAR * max((dice(field_grams, bigrams(f)) for f in fields), default=0), 1
            ),
            FIELD_SIMILAR,
        ),
        Part(
            gettext_noop("内容相关"),
            round(TEXT_RELATED * overlap(bigrams(query.text), bigrams(profile.text)), 1),
            TEXT_RELATED,
        ),
    )
    return Score(total=round(sum(p.points for p in parts), 1), parts=parts)


def rank(query: Query, candidates: list[tuple[object, str, Profile]]) -> list[tuple[object, Score]]:
    """Return (candidate, score) pairs, best first; ties ordered by name."""
    scored = [(obj, name, score(query, profile)) for obj, name, profile in candidates]
    scored.sort(key=lambda row: (-row[2].total, row[1]))
    return [(obj, s) for obj, _name, s in scored]
