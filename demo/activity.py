"""Generated activity records: a fixed seed per station, so every machine gets the same numbers."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from stations.choices import ActivityKind, StationStatus
from stations.models import (
    ActivityRecord,
    City,
    Station,
)

from .clock import demo_clock
from .common import GUIYANG_DEMAND_FLOOR, OPERATING_STATUSES, TERMINAL_STATUSES, DemoResult, _date

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
        # bulk_create sends no post_save: drop the home pages' cached recent activities.
        from home.selectors import bump_activities

        bump_activities()
        result.created["活动记录"] = result.created.get("活动记录", 0) + len(new)
