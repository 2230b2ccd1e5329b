"""The sixth city's people and round, driven through the production services only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accounts.roles import Role
from applications import services
from applications.models import AttachmentKind
from evaluations import services as ev_services
from evaluations.models import EvaluationRound, StationEvaluation
from funding import services as fund_services
from stations.choices import Level, SupervisingCast
from tests.applications.conftest import pdf
from tests.factories import ExpertFactory, HostUnitFactory, SocietyFactory, UserFactory
from tests.funding.cycle import split_points

from . import testcity


def after(day: dt.date) -> dt.datetime:
    """10:00 on the day after `day` (a notice is approved once its last day has passed)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(10, 0))


class World:
    """测试市: a society and its staff, two host units (one with its own CAST), the
    county reviewer of the first one's district, the city administrator, finance and
    three reviewing experts; one call for stations."""

    def __init__(self, city):
        self.city = city
        self.district, self.other_district = city.districts.order_by("id")
        self.society = SocietyFactory(
            city=city, level=Level.CITY, supervising_cast=SupervisingCast.CITY
        )
        self.host = HostUnitFactory(city=city, district=self.district, has_own_cast=False)
        self.cast_host = HostUnitFactory(city=city, district=self.other_district, has_own_cast=True)
        self.staff = UserFactory(role=Role.SOCIETY_STAFF, society=self.society, city=city)
        self.county = UserFactory(role=Role.COUNTY_REVIEWER, district=self.district, city=city)
        self.admin = UserFactory(role=Role.CITY_ADMIN, city=city)
        self.finance = UserFactory(role=Role.FINANCE, city=city)
        self.experts = [ExpertFactory(city=city, is_reviewer=True) for _ in range(3)]
        self.expert_users = [
            UserFactory(role=Role.EXPERT_REVIEWER, expert=e, city=city) for e in self.experts
        ]
        self.call = services.call_create(
            city=city,
            actor=self.admin,
            data={
                "program": testcity.PROGRAM,
                "title": "2026年测试市学会服务站申报",
                "opens_on": dt.date(2026, 1, 1),
                "closes_on": dt.date(2026, 12, 31),
                "required_materials": [AttachmentKind.AGREEMENT],
            },
        )

    # -- application ------------------------------------------------------------------------
    def form_data(self, **extra):
        data = {
            "title": "测试市机械工程学会服务站",
            "level": "city",
            "agreement_signed_on": "2026-03-01",
            "term_start": "2026-03-01",
            "term_end": "2028-02-29",
            "head_name": "李站长",
            "staff_count": "2",
            "experts": "专家甲，测试省\n专家乙，测试省",
            "served_units": "园区内15家装备企业，需求：工艺改进。",
            "plan": "三年服务企业30家次，每季度一次技术对接。",
        }
        data.update(extra)
        return data

    def draft(self, host=None, **extra):
        app = services.application_create(call=self.call, actor=self.staff)
        app = services.application_save_draft(
            application=app,
            actor=self.staff,
            data=self.form_data(**extra),
            host_unit=host or self.host,
        )
        services.attachment_add(
            application=app, actor=self.staff, kind=AttachmentKind.AGREEMENT, upload=pdf()
        )
        return app

    def act(self, app, action, actor=None, **kw):
        record = services.application_transition(
            application=app, action=action, actor=actor or self.admin, **kw
        )
        app.refresh_from_db()
        return record

    def score_all(self, app, totals=(85, 80, 90)):
        rubric = services.get_city_policy(self.city).review_rubrics[app.program]
        for expert, user, total in zip(self.experts, self.expert_users, totals, strict=True):
            services.assignment_create(application=app, expert=expert, actor=self.admin)
            assignment = app.assignments.get(expert=expert, stage=app.stage)
            services.assignment_declare(assignment=assignment, actor=user, no_conflict=True)
            services.score_save(
                assignment=assignment,
                actor=user,
                points=split_points(rubric, total),
                comment="同意。",
                submit=True,
            )

    # -- money and evaluation ---------------------------------------------------------------
    def pay_dues(self, grant):
        paid = []
        for due in fund_services.payable(grant):
            paid.append(
                fund_services.disbursement_approve(
                    grant=grant,
                    year=due["year"],
                    paid_on=timezone.localdate(),
                    voucher_no=f"CS{grant.pk}-{due['year']}",
                    payee_account_name="测试市机械工程学会",
                    payee_bank="中国银行",
                    payee_account_no="6222020200001234567",
                    actor=self.finance,
                )
            )
        grant.refresh_from_db()
        return paid

    def evaluate(self, grant, year, score) -> StationEvaluation:
        rnd = EvaluationRound.objects.filter(city=self.city, year=year).first()
        if rnd is None:
            rnd = ev_services.round_open(
                city=self.city,
                year=year,
                due_date=timezone.localdate() + dt.timedelta(days=30),
                actor=self.admin,
            )
        ev = StationEvaluation.objects.get(grant=grant, year=year)
        ev_services.evaluation_submit(
            evaluation=ev,
            actor=self.staff,
            summary=f"{year}年度工作总结",
            final_accounts="决算：专家咨询费 10,000 元",
            expected_version=ev.version,
        )
        ev.refresh_from_db()
        (score_row,) = ev_services.experts_assign(
            evaluation=ev, experts=[self.expert_users[0]], actor=self.admin
        )
        rubric = testcity.POLICY.evaluation_rubrics[grant.program]
        ev_services.expert_score_submit(
            score=score_row,
            points=split_points(rubric, score),
            comment="同意",
            actor=self.expert_users[0],
        )
        ev.refresh_from_db()
        return ev_services.evaluation_confirm(
            evaluation=ev,
            final_score=Decimal(str(score)),
            actor=self.admin,
            expected_version=ev.version,
        )
