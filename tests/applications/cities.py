"""The other four cities' rounds for the end-to-end tests: people, calls and official forms.

Each world drives applications through the real services (applications.services); the
tests read like the city's procedure, stage by stage.
"""

from __future__ import annotations

import datetime as dt

from accounts.roles import Role
from applications import services
from applications.models import Application, AttachmentKind, Call
from stations.choices import HostNature, Level, StationStatus, SupervisingCast
from stations.models import SocietyInspection
from tests.applications.conftest import on_day, pdf
from tests.factories import (
    ExpertFactory,
    HostUnitFactory,
    SocietyFactory,
    StationFactory,
    UserFactory,
    city,
    district_of,
)

NOTICE_START = dt.date(2025, 11, 24)  # a Monday: 5 working days end on Friday 11-28
AFTER_NOTICE = dt.date(2025, 12, 1)


def team(experts: int, province: str = "本省") -> dict[str, str]:
    """Agreement term of two years, a head, staff and an expert team of `experts` people."""
    return {
        "agreement_signed_on": "2026-03-01",
        "term_start": "2026-03-01",
        "term_end": "2028-02-29",
        "head_name": "李站长",
        "staff_count": "2",
        "experts": "\n".join(f"专家{i}，{province}" for i in range(experts)),
    }


class CityWorld:
    """What every city round has: a city, its administrator, talent office, experts, a call."""

    code = ""
    program = ""
    required: tuple[str, ...] = (AttachmentKind.AGREEMENT,)

    def __init__(self, quota: int | None = None):
        self.city = city(self.code)
        self.district = district_of(self.city, 0)
        self.other_district = district_of(self.city, 1)
        self.admin = UserFactory(role=Role.CITY_ADMIN, city=self.city)
        self.talent = UserFactory(role=Role.TALENT_OFFICE, city=self.city)
        self.experts = [
            ExpertFactory(city=self.city, is_reviewer=True, field="工程") for _ in range(4)
        ]
        self.expert_users = [
            UserFactory(role=Role.EXPERT_REVIEWER, expert=e, city=self.city) for e in self.experts
        ]
        self.call = Call.objects.create(
            city=self.city,
            program=self.program,
            title=f"2026年{self.city.name}申报",
            opens_on=dt.date(2020, 1, 1),
            closes_on=dt.date(2099, 12, 31),
            quota=quota,
            required_materials=list(self.required),
        )

    # -- moving along -------------------------------------------------------------------------
    def act(self, app: Application, action: str, actor=None, **kw) -> Application:
        services.application_transition(
            application=app, action=action, actor=actor or self.admin, **kw
        )
        app.refresh_from_db()
        return app

    def attach(self, app, actor, kind=AttachmentKind.AGREEMENT):
        services.attachment_add(application=app, actor=actor, kind=kind, upload=pdf())

    def inspect(self, app):
        return services.inspection_record(
            application=app,
            actor=self.admin,
            date=dt.date(2026, 6, 10),
            inspectors="王处长、赵科长",
            findings="办公场所、设备到位，专家团队已进站。",
        )

    def sign_contract(self, app, actor=None, number="合〔2026〕1号"):
        """Record the signed project contract a `records_contract` stage asks for."""
        from applications.contracts import contract_record

        return contract_record(
            application=app,
            actor=actor or self.admin,
            signed_on=dt.date(2026, 11, 30),
            number=number,
            scan=pdf("合同.pdf"),
        )

    def score_all(self, app, points, experts=None):
        """Assign experts, each declares no conflict and submits the rubric's scores."""
        rubric = services.get_city_policy(self.city).review_rubrics[app.program]
        experts = experts if experts is not None else self.experts[:3]
        for expert, total in zip(experts, points, strict=False):
            services.assignment_create(application=app, expert=expert, actor=self.admin)
            user = next(u for u in self.expert_users if u.expert_id == expert.pk)
            assignment = app.assignments.get(expert=expert, stage=app.stage)
            services.assignment_declare(assignment=assignment, actor=user, no_conflict=True)
            split = _split(total, [i.max_points for i in rubric.indicators])
            services.score_save(
                assignment=assignment,
                actor=user,
                points={i.code: v for i, v in zip(rubric.indicators, split, strict=True)},
                comment="同意。",
                submit=True,
            )

    def notice(self, apps, start=NOTICE_START):
        with on_day(start):  # a notice starts today or later: publish on its first day
            return services.notice_publish(
                city=self.city,
                applications=list(apps),
                actor=self.admin,
                title="拟认定名单公示",
                start_on=start,
            )


def _split(total: int, maxima: list[int]) -> list[int]:
    """Return points per indicator summing to `total`, each within its maximum."""
    left, out = total, []
    for m in maxima:
        take = min(m, left)
        out.append(take)
        left -= take
    return out


# --- Yiyang: host unit applies; county → city + inspection → talent office → notice ----------


class Yiyang(CityWorld):
    code = "yiyang"
    program = "station"

    def __init__(self, quota: int | None = None):
        super().__init__(quota)
        self.county = UserFactory(role=Role.COUNTY_REVIEWER, district=self.district)
        self.other_county = UserFactory(role=Role.COUNTY_REVIEWER, district=self.other_district)
        self.applicant = self.new_applicant()

    def new_applicant(self, *, own_cast=False, nature=HostNature.TOWNSHIP_CAST, level="city"):
        """Return (host staff, station) of a new society–host pair, the station filed."""
        society = SocietyFactory(city=self.city, level=Level.CITY)
        host = HostUnitFactory(
            city=self.city,
            district=self.district,
            nature=nature,
            has_own_cast=own_cast,
            registered_city="益阳市",
        )
        station = StationFactory(
            city=self.city,
            society=society,
            host_unit=host,
            level=level,
            program="station",
            status=StationStatus.FILED,
        )
        staff = UserFactory(role=Role.HOST_STAFF, host_unit=host, city=self.city)
        return staff, station

    def form_data(self, level="city", **extra):
        data = {
            "title": "益阳市数字经济学会服务站",
            "level": level,
            "unit_name": "某镇科协",
            "legal_rep": "张三",
            "address": "益阳市赫山区某路1号",
            "postcode": "413000",
            "contact_name": "李四",
            "contact_phone": "0737-1234567",
            "contact_mobile": "13800138000",
            "email": "contact@example.cn",
            "unit_nature": "county_cast",
            "key_industry": "数字经济",
            "unit_profile": "镇科协，服务辖区企业。",
            "industry_profile": "数字经济企业30家。",
            "society_name": "益阳市计算机学会",
            "society_legal_rep": "王五",
            "society_title": "理事长",
            "society_mobile": "13900139000",
            "society_address": "益阳市 413000",
            "society_contact": "赵六",
            "society_activities": "学术交流、科普。",
            "purpose_plan": "两年内完成技术攻关2项。",
            **team(5),
        }
        data.update(extra)
        return data

    def draft(self, applicant=None, level="city", **extra):
        staff, station = applicant or self.applicant
        app = services.application_create(call=self.call, actor=staff, station=station)
        app = services.application_save_draft(
            application=app, actor=staff, data=self.form_data(level=level, **extra)
        )
        self.attach(app, staff)
        return app

    def submitted(self, applicant=None, level="city", **extra):
        staff, _station = applicant or self.applicant
        app = self.draft(applicant, level=level, **extra)
        return self.act(app, "submit", staff)

    def to_talent_approval(self, app):
        """From the county review to the talent office, with the city's inspection recorded."""
        if app.stage == "county_review":
            self.act(app, "approve", self.county)
        self.act(app, "approve")  # city_review → site_inspection
        self.inspect(app)
        self.act(app, "approve")  # site_inspection → city_decision
        self.act(app, "approve")  # city_decision → talent_approval
        return app


# --- Guiyang: the society applies with a demand unit and a budget table ---------------------


class Guiyang(CityWorld):
    code = "guiyang"
    program = "station"
    required = (AttachmentKind.AGREEMENT, AttachmentKind.EXPERT_LIST)

    def __init__(self, quota: int | None = None):
        super().__init__(quota)
        self.society = SocietyFactory(
            city=self.city, level=Level.CITY, supervising_cast=SupervisingCast.CITY
        )
        self.demand_unit = HostUnitFactory(
            city=self.city, district=self.district, nature=HostNature.ENTERPRISE
        )
        self.staff = UserFactory(role=Role.SOCIETY_STAFF, society=self.society, city=self.city)

    BUDGET = [
        {"category": "专家咨询费", "content": "专家现场指导", "amount": "60000", "basis": "20人次"},
        {"category": "会议费", "content": "技术对接会", "amount": "40000", "basis": "2次"},
    ]

    def form_data(self, **extra):
        data = {
            "title": "贵阳市先进装备制造学会产业科技服务工作站",
            "level": "city",
            "industry": "先进装备制造",
            "society_head": "陈会长",
            "society_head_title": "理事长",
            "society_contact": "周干事",
            "society_phone": "0851-1234567",
            "society_address": "贵阳市观山湖区 550000",
            "service_content": "为需求单位解决数控加工精度问题。",
            "phases": "2026年7月，调研\n2026年12月，攻关",
            "bank_account_name": "贵阳市先进装备制造学会",
            "bank_name": "贵阳银行",
            "bank_account_no": "6222000011112222",
            "finance_head": "吴会计",
            **team(3, "贵州省"),
        }
        data.update(extra)
        return data

    def draft(self, **extra):
        app = services.application_create(call=self.call, actor=self.staff)
        app = services.application_save_draft(
            application=app,
            actor=self.staff,
            data=self.form_data(**extra),
            budget=self.BUDGET,
            host_unit=self.demand_unit,
        )
        self.attach(app, self.staff)
        self.attach(app, self.staff, AttachmentKind.EXPERT_LIST)
        return app

    def submitted(self, **extra):
        return self.act(self.draft(**extra), "submit", self.staff)


# --- Hangzhou: city society; initial → experts → joint review → approval → contract ----------


class Hangzhou(CityWorld):
    code = "hangzhou"
    program = "station"

    def __init__(self, quota: int | None = None):
        super().__init__(quota)
        self.society = SocietyFactory(
            city=self.city, level=Level.CITY, supervising_cast=SupervisingCast.CITY
        )
        for year in (2024, 2025):
            SocietyInspection.objects.create(society=self.society, year=year, result="passed")
        self.served_unit = HostUnitFactory(city=self.city, district=self.district)
        self.staff = UserFactory(role=Role.SOCIETY_STAFF, society=self.society, city=self.city)

    def form_data(self, **extra):
        data = {
            "title": "杭州市机械工程学会科技服务站",
            "level": "city",
            "served_units": "园区内20家装备企业，需求：工艺改进。",
            "plan": "三年服务企业60家次。",
            **team(5, "浙江省"),
        }
        data.update(extra)
        return data

    def submitted(self, **extra):
        app = services.application_create(call=self.call, actor=self.staff)
        app = services.application_save_draft(
            application=app,
            actor=self.staff,
            data=self.form_data(**extra),
            host_unit=self.served_unit,
        )
        self.attach(app, self.staff)
        return self.act(app, "submit", self.staff)


# --- Shenyang: filing by the host unit, then the yearly key-support selection --------------


class Shenyang(CityWorld):
    code = "shenyang"
    program = "key_support"

    def __init__(self, quota: int | None = None):
        super().__init__(quota)
        self.filing_call = Call.objects.create(
            city=self.city,
            program="filing",
            title="学会服务站备案",
            opens_on=dt.date(2020, 1, 1),
            closes_on=dt.date(2099, 12, 31),
            required_materials=[AttachmentKind.AGREEMENT],
        )

    def new_host(self, society_name="中国机械工程学会", discipline="机械工程"):
        society = SocietyFactory(
            city=self.city, name=society_name, level=Level.NATIONAL, discipline=discipline
        )
        host = HostUnitFactory(city=self.city, district=self.district, nature=HostNature.UNIVERSITY)
        staff = UserFactory(role=Role.HOST_STAFF, host_unit=host, city=self.city)
        return staff, society

    def form_data(self, discipline="机械工程", **extra):
        data = {
            "title": "机械工程学会服务站",
            "level": "national",
            "discipline": discipline,
            "funding": "学校每年配套经费20万元。",
            "management_system": "服务站管理办法、服务规范。",
            "work_plan": "三年规划。",
            "tasks": ["talent", "breakthrough"],
            **team(5, "辽宁省"),
        }
        data.update(extra)
        return data

    def filed(self, staff, society, **extra):
        """File a station (备案) for the host unit and return the filing application."""
        app = services.application_create(call=self.filing_call, actor=staff, society=society)
        app = services.application_save_draft(
            application=app, actor=staff, data=self.form_data(**extra)
        )
        self.attach(app, staff)
        self.act(app, "submit", staff)
        self.act(app, "approve")
        return app

    def key_support(self, staff, station, **extra):
        app = services.application_create(call=self.call, actor=staff, station=station)
        data = self.form_data(**extra)
        data.update({"achievements": "引进专家12人。", "next_plan": "技术攻关3项。"})
        app = services.application_save_draft(application=app, actor=staff, data=data)
        self.attach(app, staff)
        return self.act(app, "submit", staff)
