# size: the demo data set's story, one dated scene per city and program, read top to bottom; it
# writes through the apps' services and holds no product logic (splitting it would scatter one story).
"""Demo workflow objects: calls, applications, grants, evaluations, enterprises and demands.

`demo.loader.demo_load` calls `load_workflows` after the master data is in. Everything is
written through the apps' own services (applications, funding, evaluations, network), so each
row obeys the city's rules and leaves its audit trail; amounts, grades and notice periods come
out of the policy engine. Only the expert team of a station created by a demo application is
written directly (as the admin inline does): it is the team the application names.

Idempotent: every object is looked up by a natural key first (call and application titles,
usernames, demand titles, the evaluation round's city and year, a grant-year's disbursement)
and skipped when it exists; a re-run on the same day writes nothing.

Time: everything here is placed relative to the load day (`DemoClock.today`) and the city's
policy, never on fixed dates: each call opens 30 days before the load day (never before its
round began) and closes on the policy's deadline of the round the load day falls in
(连云港 五(一): after 05-31 that is next year's round) or, where the policy sets none, 60 days
after the load day; the Yiyang inspection and notice lie in the weeks before it; the
evaluation round assesses the last complete year; payments are made for the grant-years due
up to the load day. A step the load day does not allow (a notice in a year whose statutory
holidays are not known yet) is left for a later run and listed in `result.pending`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from accounts.roles import Role
from applications import services as app_services
from applications.models import Application, AttachmentKind, Call
from evaluations import permissions as ev_perms
from evaluations import services as ev_services
from evaluations.models import EvaluationRound, StationEvaluation
from funding import services as fund_services
from funding.models import Grant, Recovery
from network import services as net_services
from network.choices import DemandStatus, Urgency
from network.models import Demand, Enterprise
from policies import api as engine
from policies.api import (
    CalendarMissing,
    amount_range,
    amount_required,
    current_params,
    get_city_policy,
    workflow_for,
)
from stations.choices import StationStatus
from stations.models import City, Expert, HostUnit, Society, Station, StationExpert
from stations.validators import credit_code_check_char

# Where the workflow stands relative to the load day (see the module's docstring).
CALL_OPENED_DAYS_AGO = 30
CALL_OPEN_DAYS_WITHOUT_DEADLINE = 60
INSPECTED_DAYS_AGO = 35
# A notice of 5 statutory working days always fits in 21 days, even over the Spring Festival.
NOTICE_STARTED_DAYS_AGO = 21
ROUND_DUE_IN_DAYS = 30
# The agreements the demo applications describe, in the story's years (DemoClock.day).
AUTHORED_AGREEMENT_ON = dt.date(2026, 3, 1)
AUTHORED_TERM_END = dt.date(2028, 2, 29)
PAID_MONTH_DAY = (6, 12)
EVALUATION_SCORE = 86  # the expert's total, spread over the rubric's indicators
FUNDABLE = (StationStatus.CERTIFIED, StationStatus.KEY_SUPPORTED)
DEMO_PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# Where each city's demo enterprise sits: name, industry, area code of its credit code.
ENTERPRISES = {
    "shenyang": ("沈阳恒锐数控装备有限公司", "高端装备制造", "210112"),
    "yiyang": ("益阳安茗黑茶科技有限公司", "茶产业", "430923"),
    "lianyungang": ("连云港瑞恒精细化工有限公司", "石化与精细化工", "320703"),
    "guiyang": ("贵阳黔芯电子元器件有限公司", "电子信息制造", "520115"),
    "hangzhou": ("杭州钱江精密传动有限公司", "智能装备", "330109"),
}
# (title, field, urgency, accepted) of the two demands each enterprise submits.
DEMANDS = (
    ("关键工序良品率提升", "工艺优化", Urgency.URGENT, True),
    ("生产线数字化改造方案咨询", "智能制造", Urgency.NORMAL, False),
)


@dataclass
class Ctx:
    city: City
    users: dict[str, User]
    result: Any  # demo.common.DemoResult
    clock: Any  # demo.clock.DemoClock
    logins: list = field(default_factory=list)

    @property
    def today(self) -> dt.date:
        return self.clock.today

    @property
    def agreement_on(self) -> dt.date:
        return self.clock.day(AUTHORED_AGREEMENT_ON)

    @property
    def round_year(self) -> int:
        """The year the demo's evaluation round assesses: the last complete year."""
        return self.today.year - 1

    def count(self, label: str) -> None:
        self.result.count(label, True)

    def pending(self, message: str) -> None:
        if message not in self.result.pending:
            self.result.pending.append(message)


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, DEMO_PDF, content_type="application/pdf")


def _user(ctx: Ctx, suffix: str) -> User:
    return ctx.users[suffix]


# --------------------------------------------------------------------------- applications


def call_dates(ctx: Ctx, program: str) -> tuple[dt.date, dt.date]:
    """(opens_on, closes_on) of the demo's call: open on the load day, within its round."""
    policy = get_city_policy(ctx.city)
    params, _version = current_params(ctx.city, ctx.today)
    round_year, deadline = policy.submission_round(program, ctx.today, params)
    opens = ctx.today - dt.timedelta(days=CALL_OPENED_DAYS_AGO)
    if deadline is None:
        return opens, ctx.today + dt.timedelta(days=CALL_OPEN_DAYS_WITHOUT_DEADLINE)
    previous = policy.deadline(program, round_year - 1, params)
    return max(opens, previous + dt.timedelta(days=1)), deadline


def _call(ctx: Ctx, program: str, title: Callable[[int], str], required: Sequence[str]) -> Call:
    """The city's open call for `program`; `title` is given the round's year."""
    opens, closes = call_dates(ctx, program)
    title = title(closes.year)  # a call's round is the year it closes in (applications.facts)
    call = Call.objects.filter(city=ctx.city, title=title).first()
    if call is not None:
        return call
    call = app_services.call_create(
        city=ctx.city,
        actor=_user(ctx, "admin"),
        data={
            "program": program,
            "title": title,
            "description": f"{ctx.city.name}市科协关于组织开展{title[:-2]}工作的通知（演示）。",
            "opens_on": opens,
            "closes_on": closes,
            "required_materials": list(required),
        },
    )
    ctx.count("申报批次")
    return call


def _team(city: City, n: int, *, exclude: Sequence[int] = ()) -> list[Expert]:
    """n experts of the city's pool who do not review (the demo reviewer stays free)."""
    qs = Expert.objects.filter(city=city, is_reviewer=False).exclude(pk__in=exclude)
    return list(qs.order_by("pk")[:n])


def _team_fields(ctx: Ctx, experts: Sequence[Expert], head: str) -> dict[str, str]:
    return {
        "agreement_signed_on": ctx.agreement_on.isoformat(),
        "term_start": ctx.agreement_on.isoformat(),
        "term_end": ctx.clock.day(AUTHORED_TERM_END).isoformat(),
        "head_name": head,
        "staff_count": "2",
        "experts": "\n".join(f"{e.name}，{e.province}" for e in experts),
    }


@dataclass
class Planned:
    """One demo application: how far it goes and with what data."""

    title: str
    applicant: str  # demo login suffix
    data: dict[str, Any]
    goal: str  # draft | waiting | returned | certified
    society: Society | None = None
    station: Station | None = None
    host_unit: HostUnit | None = None
    budget: list | None = None
    team: Sequence[Expert] = ()
    drive: Callable[[Ctx, Application], None] | None = None  # from submitted to certified


def _application(ctx: Ctx, call: Call, plan: Planned) -> Application | None:
    existing = Application.objects.filter(call=call, title=plan.title).first()
    if existing is not None:
        return existing
    applicant = _user(ctx, plan.applicant)
    app = app_services.application_create(
        call=call, actor=applicant, station=plan.station, society=plan.society
    )
    app = app_services.application_save_draft(
        application=app,
        actor=applicant,
        data={"title": plan.title, **plan.data},
        budget=plan.budget,
        host_unit=plan.host_unit,
    )
    for kind in call.required_materials:
        label = dict(AttachmentKind.choices)[kind]
        app_services.attachment_add(
            application=app, actor=applicant, kind=kind, upload=_pdf(f"{label}.pdf")
        )
    ctx.count("申报")
    if plan.goal == "draft":
        return app
    _act(ctx, app, "submit", applicant)
    _give_team(ctx, app, plan.team)
    if plan.goal == "returned":
        _act(
            ctx,
            app,
            "return",
            _first_reviewer(ctx, app),
            comment="请补充共建协议中双方的权利义务条款，并附专家团队成员的聘书后重新提交。",
        )
    elif plan.goal == "certified" and plan.drive is not None:
        plan.drive(ctx, app)
    return app


def _act(ctx: Ctx, app: Application, action: str, actor: User, **kw) -> Application:
    app_services.application_transition(application=app, action=action, actor=actor, **kw)
    app.refresh_from_db()
    return app


def _first_reviewer(ctx: Ctx, app: Application) -> User:
    stage = workflow_for(app.city, app.program).stage(app.stage)
    suffix = {
        Role.COUNTY_REVIEWER: "county",
        Role.TALENT_OFFICE: "talent",
    }.get(stage.role, "admin")
    return _user(ctx, suffix)


def _give_team(ctx: Ctx, app: Application, experts: Sequence[Expert]) -> None:
    """The expert team the application names joins the station created at submission."""
    app.refresh_from_db()
    if app.station_id is None:
        return
    for expert in experts:
        StationExpert.objects.get_or_create(
            station_id=app.station_id,
            expert=expert,
            joined_on=ctx.agreement_on,
            defaults={"role": "member"},
        )


# --- per city ---------------------------------------------------------------------------------


def _society(ctx: Ctx, name: str) -> Society:
    return Society.objects.get(city=ctx.city, name=name)


def _host(ctx: Ctx, name: str) -> HostUnit:
    return HostUnit.objects.get(city=ctx.city, name=name)


def _yiyang_certify(ctx: Ctx, app: Application) -> None:
    """county (skipped: own CAST) → city → inspection → decision → talent office → notice."""
    admin, talent = _user(ctx, "admin"), _user(ctx, "talent")
    if app.stage == "county_review":
        _act(ctx, app, "approve", _user(ctx, "county"), comment="材料齐全，同意上报。")
    _act(ctx, app, "approve", admin, comment="符合认定条件，安排实地考察。")
    app_services.inspection_record(
        application=app,
        actor=admin,
        date=ctx.today - dt.timedelta(days=INSPECTED_DAYS_AGO),
        inspectors="市科协学会部、县科协考察组",
        findings="办公场所、检测设备到位，专家团队已进站开展现场技术指导。",
    )
    _act(ctx, app, "approve", admin, comment="考察合格。")
    _act(ctx, app, "approve", admin, comment="市科协研究同意，报市人才办审批。")
    _act(ctx, app, "approve", talent, comment="同意认定。")
    start = ctx.today - dt.timedelta(days=NOTICE_STARTED_DAYS_AGO)
    try:
        notice = app_services.notice_publish(
            city=ctx.city,
            applications=[app],
            actor=admin,
            title=f"{app.call.closes_on.year}年度益阳市重点产业领域学会服务站拟认定名单公示",
            start_on=start,
            backdated_for_demo=True,  # the story's notice ran weeks before the load day
        )
    except CalendarMissing as exc:
        ctx.pending(f"益阳演示申报停在公示前：{exc}录入后再运行 make demo 即可完成认定。")
        return
    ctx.count("公示")
    if ctx.today > notice.end_on:
        _act(ctx, app, "approve", admin, comment="公示期满无异议，予以认定。")


def _plans_yiyang(ctx: Ctx) -> tuple[Call, list[Planned]]:
    call = _call(ctx, "station", "{}年度益阳市重点产业领域学会服务站认定申报".format, ["agreement"])
    host = ctx.users["host"].host_unit
    place = host.district.name
    team = _team(ctx.city, 5)

    def data(society: Society, level: str, industry: str, plan: str) -> dict[str, Any]:
        return {
            "level": level,
            "unit_name": host.name,
            "legal_rep": host.legal_rep,
            "address": host.address or f"益阳市{place}",
            "postcode": host.postcode or "413000",
            "contact_name": "谌晓芳",
            "contact_phone": "0737-5221234",
            "contact_mobile": host.contact_mobile,
            "email": "kx@example.cn",
            "unit_nature": host.nature,
            "key_industry": industry,
            "unit_profile": f"{place}科协，服务辖区特色产业企业。",
            "industry_profile": f"{place}{industry}规模以上企业40余家，技术需求集中在加工工艺和质量控制。",
            "society_name": society.name,
            "society_legal_rep": society.legal_rep or "理事长",
            "society_title": society.legal_rep_title or "理事长",
            "society_mobile": society.contact_mobile,
            "society_address": society.address or "湖南省长沙市",
            "society_contact": society.contact_name or "秘书处",
            "society_activities": "学术交流、技术培训和科普活动。",
            "purpose_plan": plan,
            **_team_fields(ctx, team, "谌晓芳"),
        }

    tea = _society(ctx, "湖南省茶叶学会")
    forestry = _society(ctx, "益阳市林学会")
    fishery = _society(ctx, "中国水产学会")
    computing = _society(ctx, "益阳市计算机学会")
    return call, [
        Planned(
            f"湖南省茶叶学会益阳（{place}）茶旅融合学会服务站",
            "host",
            data(
                tea,
                "provincial",
                "生态绿色食品",
                "两年内攻关茶叶精深加工工艺2项，培训技术人员300人次。",
            ),
            "certified",
            society=tea,
            team=team,
            drive=_yiyang_certify,
        ),
        Planned(
            f"益阳市林学会{place}竹木产业学会服务站",
            "host",
            data(forestry, "city", "新材料", "推广竹材重组技术，服务竹木企业15家。"),
            "waiting",
            society=forestry,
            team=team,
        ),
        Planned(
            f"中国水产学会益阳（{place}）稻渔综合种养学会服务站",
            "host",
            data(fishery, "national", "现代农业", "示范稻渔综合种养5000亩。"),
            "returned",
            society=fishery,
            team=team,
        ),
        Planned(
            f"益阳市计算机学会{place}数字农业学会服务站",
            "host",
            data(computing, "city", "数字经济", "建设数字农业示范基地2个。"),
            "draft",
            society=computing,
            team=team,
        ),
    ]


def _plans_shenyang(ctx: Ctx) -> tuple[Call, list[Planned]]:
    """Key support for the host's filed station; new filings of provincial societies.

    沈阳 一: a provincial society sits at a county-level unit and a discipline has one
    station, so the filings declare disciplines the city has no station for yet; names follow
    the naming rule of 沈阳 三(二) (policies.cities.shenyang.station_name).
    """
    from policies.cities.shenyang import station_name

    key_call = _call(ctx, "key_support", "{}年度沈阳市学会服务站择优资助遴选".format, ["agreement"])
    filing_call = _call(ctx, "filing", "{}年沈阳市学会服务站建站备案".format, ["agreement"])
    host = ctx.users["host"].host_unit
    team = _team(ctx.city, 5)

    def data(society: Society, discipline: str, **extra) -> dict[str, Any]:
        return {
            "level": "provincial",
            "discipline": discipline,
            "funding": "区科协每年配套工作经费10万元。",
            "management_system": "服务站管理办法、专家进站服务规范。",
            "work_plan": "三年内引进专家10人次，联合攻关3项。",
            "tasks": ["talent", "breakthrough", "exchange"],
            "district_name": host.district.name,
            **_team_fields(ctx, team, "秦雪"),
            **extra,
        }

    def named(society: Society) -> str:
        return station_name(
            society_name=society.name, society_level=society.level, district=host.district.name
        )

    agri, chemistry = _society(ctx, "辽宁省农学会"), _society(ctx, "辽宁省化工学会")
    for plan in (
        Planned(named(agri), "host", data(agri, "设施园艺"), "returned", society=agri, team=team),
        Planned(
            named(chemistry), "host", data(chemistry, "电子化学品"), "draft", society=chemistry
        ),
    ):
        _application(ctx, filing_call, plan)
    filed = Station.objects.filter(host_unit=host, status=StationStatus.FILED).first()
    titled = Application.objects.filter(call=key_call, host_unit=host).first()
    station = titled.station if titled else filed
    if station is None:
        return key_call, []
    return key_call, [
        Planned(
            f"{station.name}择优资助申报",
            "host",
            data(
                station.society,
                station.discipline or station.society.discipline,
                achievements="备案以来服务园区企业12家，解决工艺难题5项。",
                next_plan="支持期内完成技术攻关3项，引进专家10人次。",
            ),
            "waiting",
            station=station,
        )
    ]


def _plans_lianyungang(ctx: Ctx) -> tuple[Call, list[Planned]]:
    """科技服务站: the round the load day falls in (after 05-31, next year's: 连云港 五(一))."""
    program = "service_station"
    label = get_city_policy(ctx.city).program(program).label_zh
    required = ["agreement", "county_cast_confirmation"]  # 连云港 四(二)4
    extra = {
        "served_unit": "连云港康瑞医药科技有限公司",
        "goals": "协助企业完成2个仿制药一致性评价。",
        "agreement_signed_on": ctx.agreement_on.isoformat(),
        "capability": "学会药剂、药分专委会专家12人。",
    }
    call = _call(ctx, program, lambda year: f"{year}年度连云港市{label}申报", required)
    resolved = ctx.today - dt.timedelta(days=CALL_OPENED_DAYS_AGO // 2)

    def data(summary: str) -> dict[str, Any]:
        return {
            "level": "city",
            "summary": summary,
            "council_resolution": f"{resolved.year}年{resolved.month}月学会理事会研究通过。",
            **extra,
        }

    goals = ("waiting", "returned")
    return call, [
        Planned(
            "连云港市药学会医药产业科技服务申报",
            "society",
            data("服务医药企业技术攻关。"),
            goals[0],
        ),
        Planned(
            "连云港市药学会药学服务能力提升申报",
            "society",
            data("提升基层药学服务能力。"),
            goals[1],
        ),
        Planned(
            "连云港市药学会中药材质量控制申报", "society", data("中药材质量控制技术服务。"), "draft"
        ),
    ]


GUIYANG_BUDGET = [
    {"category": "专家咨询费", "content": "专家现场指导", "amount": "60000", "basis": "20人次"},
    {"category": "会议费", "content": "技术对接会", "amount": "40000", "basis": "2次"},
]


def _plans_guiyang(ctx: Ctx) -> tuple[Call, list[Planned]]:
    call = _call(
        ctx, "station", "{}年度贵阳市产业科技服务工作站申报".format, ["agreement", "expert_list"]
    )
    year = call.closes_on.year
    society = ctx.users["society"].society
    # 贵阳 三(三): a national society's station has ≥10 experts, ≥5 of them from outside.
    outside = [e for e in _team(ctx.city, 40) if e.province != "贵州省"][:5]
    inside = [e for e in _team(ctx.city, 40) if e.province == "贵州省"][:5]
    team = outside + inside

    def data(industry: str, service: str) -> dict[str, Any]:
        return {
            "level": society.level,
            "industry": industry,
            "society_head": society.legal_rep or "理事长",
            "society_head_title": "理事长",
            "society_contact": ctx.users["society"].full_name,
            "society_phone": "0851-8551234",
            "society_address": society.address or "北京市",
            "service_content": service,
            "phases": f"{year}年7月，调研\n{year}年12月，攻关",
            "bank_account_name": society.bank_account_name or society.name,
            "bank_name": society.bank_name or "贵阳银行",
            "bank_account_no": society.bank_account_no,
            "finance_head": "吴会计",
            **_team_fields(ctx, team, ctx.users["society"].full_name),
        }

    return call, [
        Planned(
            f"{society.name}开阳磷化工装备耐蚀材料产业科技服务工作站",
            "society",
            data("磷化工制造", "为需求单位解决磷化工装备的金属腐蚀问题。"),
            "waiting",
            host_unit=_host(ctx, "开阳县磷化工产业园区管理委员会"),
            budget=GUIYANG_BUDGET,
            team=team,
        ),
        Planned(
            f"{society.name}贵阳铝板表面质量产业科技服务工作站",
            "society",
            data("铝及铝加工制造", "为需求单位开发铝板表面缺陷在线检测。"),
            "returned",
            host_unit=_host(ctx, "贵州黔铝精深加工有限公司"),
            budget=GUIYANG_BUDGET,
            team=team,
        ),
        Planned(
            f"{society.name}贵阳食品包装铝箔产业科技服务工作站",
            "society",
            data("生态特色食品制造", "为需求单位推广食品包装用铝箔。"),
            "draft",
            host_unit=_host(ctx, "贵阳黔味源食品有限公司"),
            budget=GUIYANG_BUDGET,
        ),
    ]


def _plans_hangzhou(ctx: Ctx) -> tuple[Call, list[Planned]]:
    call = _call(ctx, "station", "{}年度杭州市科技服务站申报".format, ["agreement"])
    team = _team(ctx.city, 5)

    def data(served: str, plan: str) -> dict[str, Any]:
        return {
            "level": "city",
            "served_units": served,
            "plan": plan,
            **_team_fields(ctx, team, "楼佳慧"),
        }

    return call, [
        Planned(
            "杭州市机械工程学会富阳精密制造科技服务站",
            "society",
            data("富阳区精密机械企业18家，需求：数控加工精度提升。", "三年服务企业60家次。"),
            "waiting",
            host_unit=_host(ctx, "杭州富阳恒力精工机械有限公司"),
            team=team,
        ),
        Planned(
            "杭州市机械工程学会余杭智能传感装备科技服务站",
            "society",
            data("余杭区传感器企业10家，需求：封装工艺。", "三年攻关封装工艺3项。"),
            "returned",
            host_unit=_host(ctx, "杭州余杭智能传感科技有限公司"),
            team=team,
        ),
        Planned(
            "杭州市机械工程学会临安农机科技服务站",
            "society",
            data("临安区农机企业8家。", "推广山地农机2项。"),
            "draft",
            host_unit=_host(ctx, "临安区山核桃产业协会"),
        ),
    ]


PLANS = {
    "yiyang": _plans_yiyang,
    "shenyang": _plans_shenyang,
    "lianyungang": _plans_lianyungang,
    "guiyang": _plans_guiyang,
    "hangzhou": _plans_hangzhou,
}


def _applications(ctx: Ctx) -> None:
    call, plans = PLANS[ctx.city.code](ctx)
    for plan in plans:
        _application(ctx, call, plan)


# --------------------------------------------------------------------------- funding


def _engine_amount(station: Station, program: str, level: str) -> int | None:
    """Where the policy leaves the amount to the approver, its range's lower bound."""
    params = engine.current_version(station.city).params
    bounds = amount_range(station.city, program, level, params)
    return bounds[0] if bounds else None


def _voucher(year: int, seq: int) -> str:
    return f"记-{year}-{PAID_MONTH_DAY[0]:02d}{PAID_MONTH_DAY[1]:02d}-{seq:02d}"


def _pay_dues(ctx: Ctx, grant: Grant, seq: list[int]) -> None:
    """Finance approves every due grant-year up to this year (one voucher each)."""
    for due in fund_services.payable(grant):
        year = due["year"]
        if year > ctx.today.year:
            continue
        seq[0] += 1
        payee = fund_services.default_payee(grant)
        fund_services.disbursement_approve(
            grant=grant,
            year=year,
            paid_on=min(dt.date(year, *PAID_MONTH_DAY), ctx.today),
            voucher_no=_voucher(year, seq[0]),
            payee_account_name=payee["payee_account_name"],
            payee_bank=payee["payee_bank"] or "中国建设银行",
            payee_account_no=payee["payee_account_no"],
            actor=_user(ctx, "finance"),
        )
        ctx.count("资助拨付")


def _grants(ctx: Ctx) -> list[Grant]:
    admin = _user(ctx, "admin")
    stations = Station.objects.filter(city=ctx.city, status__in=FUNDABLE).order_by("pk")
    for station in stations:
        if Grant.objects.filter(station=station).exists():
            continue
        program = engine.program_for(ctx.city, station.program)
        if program.payment == "none":
            continue
        level = station.level if station.level in program.levels else program.levels[0]
        if amount_required(ctx.city, station.program, level) and not _engine_amount(
            station, station.program, level
        ):
            continue  # 一事一议 (益阳 第十六条): the amount is the administrators' decision
        # Support runs from the later of certification and the agreement term's start.
        days = [d for d in (station.certified_on, station.term_start) if d] or [ctx.today]
        fund_services.grant_create(
            station=station,
            program=station.program,
            level=level,
            start_year=max(days).year,
            amount=_engine_amount(station, station.program, level),
            actor=admin,
        )
        ctx.count("资助项目")
    grants = list(Grant.objects.filter(station__city=ctx.city).order_by("pk"))
    seq = [Grant.objects.filter(station__city=ctx.city, disbursements__isnull=False).count()]
    for grant in grants:
        _pay_dues(ctx, grant, seq)
    return grants


def _station_user(ctx: Ctx, ev: StationEvaluation) -> User | None:
    """The demo login (society or host-unit staff) allowed to submit the station's report."""
    for suffix in ("society", "host"):
        user = ctx.users[suffix]
        if ev_perms.can_submit_self_report(user, ev)[0]:
            return user
    return None


def _split_points(rubric, total: Decimal) -> dict[str, float]:
    left, points = total, {}
    for indicator in rubric.indicators:
        share = (total * indicator.max_points / 100).quantize(Decimal("1"))
        take = min(share, Decimal(indicator.max_points), left)
        points[indicator.code] = float(take)
        left -= take
    for indicator in rubric.indicators:  # rounding rest onto the first indicator with room
        room = Decimal(indicator.max_points) - Decimal(str(points[indicator.code]))
        take = min(room, left)
        points[indicator.code] = float(Decimal(str(points[indicator.code])) + take)
        left -= take
    return points


def _evaluations(ctx: Ctx) -> None:
    admin, expert = _user(ctx, "admin"), _user(ctx, "expert")
    round_year = ctx.round_year
    if EvaluationRound.objects.filter(city=ctx.city, year=round_year).exists():
        return
    ev_services.round_open(
        city=ctx.city,
        year=round_year,
        due_date=ctx.today + dt.timedelta(days=ROUND_DUE_IN_DAYS),
        actor=admin,
        title=f"{ctx.city.name}市{round_year}年度学会服务站考核",
    )
    ctx.count("考核批次")
    reporting = [
        ev
        for ev in StationEvaluation.objects.filter(round__city=ctx.city, year=round_year)
        .select_related("station", "grant")
        .order_by("pk")
        if _station_user(ctx, ev) is not None
    ]

    def scorable(ev: StationEvaluation) -> bool:  # the demo expert is not on the team
        return not ev.station.experts.filter(pk=expert.expert_id).exists()

    # One is confirmed (preferably a grant starting this year: no earlier year to settle);
    # another, where there is one, waits for its score.
    candidates = sorted(filter(scorable, reporting), key=lambda e: e.grant.start_year != round_year)
    confirmed = candidates[0] if candidates else None
    waiting = next((e for e in reporting if e is not confirmed), None)
    for ev, confirm in ((confirmed, True), (waiting, False)):
        if ev is None:
            continue
        ev = ev_services.evaluation_submit(
            evaluation=ev,
            actor=_station_user(ctx, ev),
            summary=f"{round_year}年度服务站工作总结：专家进站服务、技术攻关和培训均按协议推进。",
            final_accounts="决算：专家咨询费、培训费合计按预算执行。"
            if engine.get_city_policy(ctx.city).requires_final_accounts
            else "",
            expected_version=ev.version,
        )
        ctx.count("考核自评")
        demand_unit = ctx.users["host"]
        if (
            engine.get_city_policy(ctx.city).has_demand_unit_evaluation
            and demand_unit.host_unit_id == ev.station.host_unit_id
        ):
            ev = ev_services.evaluation_demand_unit_review(  # 贵阳 四(三)
                evaluation=ev,
                actor=demand_unit,
                rating="satisfied",
                opinion="专家服务及时，年度攻关任务达到协议约定。",
                expected_version=ev.version,
            )
        if not scorable(ev):
            continue
        (score,) = ev_services.experts_assign(evaluation=ev, experts=[expert], actor=admin)
        if not confirm:
            continue
        rubric = engine.evaluation_rubric(ctx.city, ev.grant.program)
        ev_services.expert_score_submit(
            score=score,
            points=_split_points(rubric, Decimal(EVALUATION_SCORE)),
            comment="服务成效明显，自评材料真实。",
            actor=expert,
        )
        ev.refresh_from_db()
        ev_services.evaluation_confirm(
            evaluation=ev,
            final_score=ev_services.suggested_score(ev),
            actor=admin,
            expected_version=ev.version,
        )
        ctx.count("考核确认")


def _recovery(ctx: Ctx, grants: list[Grant]) -> None:
    """Guiyang demands back a misused payment (贵阳 四(四)): the year's disbursed amount."""
    if ctx.city.code != "guiyang":
        return
    if Recovery.objects.filter(grant__station__city=ctx.city).exists():
        return
    for grant in grants:
        paid = grant.disbursements.order_by("-year").first()
        if paid is None or fund_services.net_paid(grant) < paid.amount:
            continue
        fund_services.recovery_record(
            grant=grant,
            amount=paid.amount,
            reason=f"{paid.year}年度经费检查：资金用于与服务站无关的支出，按规定追回。",
            actor=_user(ctx, "admin"),
        )
        ctx.count("追回")
        return


def _funding(ctx: Ctx) -> None:
    grants = _grants(ctx)
    _evaluations(ctx)
    for grant in grants:  # a confirmed evaluation may make the next year due
        grant.refresh_from_db()
    seq = [Grant.objects.filter(station__city=ctx.city, disbursements__isnull=False).count()]
    for grant in grants:
        _pay_dues(ctx, grant, seq)
    _recovery(ctx, grants)


# --------------------------------------------------------------------------- network


def credit_code(area: str, seed: str) -> str:
    """A checksum-valid unified social credit code: 91 + area + 9 digits + check char."""
    import hashlib

    body = "91" + area + str(int(hashlib.sha256(seed.encode()).hexdigest(), 16))[:9]
    return body + credit_code_check_char(body)


def _enterprise(ctx: Ctx, password: str) -> None:
    from .common import DemoLogin, demo_mobile

    username = f"{ctx.city.code}_enterprise"
    name, industry, area = ENTERPRISES[ctx.city.code]
    enterprise = Enterprise.objects.filter(user__username=username).first()
    created = enterprise is None
    if created:
        enterprise = net_services.enterprise_register(
            city=ctx.city,
            name=name,
            credit_code=credit_code(area, f"{ctx.city.code}:{name}"),
            industry=industry,
            contact_name="企业技术负责人",
            contact_mobile=demo_mobile(f"user:{username}"),
            contact_email=f"{ctx.city.code}.enterprise@example.cn",
            username=username,
            password=password,
        )
        ctx.count("企业")
    ctx.logins.append(
        DemoLogin(
            username, Role.ENTERPRISE.label, ctx.city.name, f"{ctx.city.name} · {name}", created
        )
    )
    station = (
        Station.objects.filter(
            city=ctx.city, status__in=FUNDABLE, society=ctx.users["society"].society
        ).first()
        or Station.objects.filter(city=ctx.city, status__in=FUNDABLE).order_by("pk").first()
    )
    for title, field_, urgency, accept in DEMANDS:
        full = f"{industry}{title}"
        if Demand.objects.filter(enterprise=enterprise, title=full).exists():
            continue
        demand = net_services.demand_submit(
            enterprise=enterprise,
            actor=enterprise.user,
            title=full,
            description=f"我公司在{industry}生产中遇到“{title}”问题，希望学会服务站专家上门诊断。",
            industry=industry,
            field=field_,
            urgency=urgency,
        )
        ctx.count("技术需求")
        if accept and station is not None:
            net_services.demand_transition(
                demand=demand,
                target=DemandStatus.ACCEPTED,
                actor=_user(ctx, "admin"),
                note="已受理，分派服务站专家团队对接。",
                station=station,
            )


# --------------------------------------------------------------------------- entry point


def load_workflows(cities: Sequence[str], result, *, password: str) -> None:
    """Load the workflow demo objects of the given cities (inside demo_load's transaction)."""
    for code in cities:
        city = City.objects.get(code=code)
        users = {
            suffix: User.objects.get(username=f"{code}_{suffix}")
            for suffix in ("admin", "society", "host", "county", "expert", "talent", "finance")
        }
        ctx = Ctx(city=city, users=users, result=result, clock=result.clocks[code])
        _funding(ctx)
        _applications(ctx)
        _enterprise(ctx, password)
        # The enterprise login is listed right after the city's other logins.
        last = max(
            (i for i, login in enumerate(result.logins) if login.city == city.name), default=-1
        )
        result.logins[last + 1 : last + 1] = ctx.logins
