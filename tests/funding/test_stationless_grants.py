"""Programs without a station get their money (issue 15): the workflow's end grants the
application once, to the program's payee, and finance pays it exactly once.

杭州 research topics and the 海智 activity (立项), 连云港 awards (表彰); an award given to a
station (the society's 科技服务站, confirmed by the county) keeps the station path and is paid
to the society, like every award but the chief expert's (paid to the expert).
"""

import datetime as dt

import pytest
from django.utils import timezone

from applications import services
from applications.models import Application, AttachmentKind, Call
from funding import services as fund_services
from funding.models import Disbursement, Grant
from tests.applications.cities import Hangzhou
from tests.applications.conftest import (  # noqa: F401 (the pinned day is autouse)
    APPLICATION_DAY,
    World,
    pdf,
    pinned_application_day,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    """A 连云港 round (tests.applications.conftest.World)."""
    return World()


def pay_twice(grant, finance):
    """Pay the grant's due year; a second approval of the same year pays nothing."""
    (due,) = fund_services.payable(grant)
    payee = fund_services.default_payee(grant)
    kwargs = {
        "grant": grant,
        "year": due["year"],
        "paid_on": timezone.localdate(),
        "voucher_no": f"V{grant.pk}",
        "payee_account_name": payee["payee_account_name"] or "收款人",
        "payee_bank": payee["payee_bank"] or "中国银行",
        "payee_account_no": payee["payee_account_no"] or "6222020200001234567",
        "actor": finance,
    }
    first = fund_services.disbursement_approve(**kwargs)
    with pytest.raises(fund_services.AlreadyPaid):
        fund_services.disbursement_approve(**{**kwargs, "voucher_no": f"W{grant.pk}"})
    assert list(Disbursement.objects.filter(grant=grant)) == [first]
    assert fund_services.payable(grant) == []
    return first


# --- 杭州: research topics and the 海智 activity -------------------------------------------


def hangzhou_topic(program: str):
    w = Hangzhou()
    w.call = Call.objects.create(
        city=w.city,
        program=program,
        title=f"2026年杭州{program}",
        opens_on=dt.date(2020, 1, 1),
        closes_on=dt.date(2099, 12, 31),
        required_materials=[],
    )
    data = {
        "title": "学会助力产业创新研究",
        "level": "city",
        "research_content": "研究学会服务产业的机制。",
        "expected_results": "研究报告一份。",
    }
    if program == "overseas_talent":  # its own form: the activity, not a station's team
        data.update(
            expert_name="John Smith",
            expert_affiliation="英国 剑桥大学",
            activity_start="2026-05-01",
            activity_end="2026-05-10",
            activity_content="学术报告与技术对接。",
        )
    budget = [{"category": "专家差旅费", "content": "往返机票", "amount": "30000"}]
    app = services.application_create(call=w.call, actor=w.staff)
    app = services.application_save_draft(
        application=app,
        actor=w.staff,
        data=data,
        budget=budget if program == "overseas_talent" else None,
    )
    w.act(app, "submit", w.staff)
    w.act(app, "approve")
    w.score_all(app, [80, 90, 70])
    w.act(app, "approve")
    w.act(app, "approve", w.talent)
    assert app.stage == "approval"
    return w, app


@pytest.mark.parametrize(
    ("program", "entered", "amount"),
    [
        ("research_major", None, 50000),
        ("research_key", None, 15000),
        ("research_general", None, 5000),
        ("overseas_talent", 30000, 30000),
    ],
)
def test_a_hangzhou_topic_or_activity_is_granted_to_the_society_and_paid_once(
    program, entered, amount
):
    w, app = hangzhou_topic(program)
    w.act(app, "approve", **({"amount": entered} if entered else {}))
    assert app.outcome == "certified" and app.station_id is None
    grant = Grant.objects.get(application=app)
    assert grant.station is None
    assert (grant.amount, grant.program, grant.city, grant.society) == (
        amount,
        program,
        w.city,
        w.society,
    )
    assert grant.payee_party == w.society
    assert grant.status == Grant.Status.ACTIVE
    paid = pay_twice(grant, UserFactory(role="finance", city=w.city))
    assert paid.amount == amount


# --- 连云港: the four awards ----------------------------------------------------------------

AWARD_DATA = {
    "demo_society": {
        "soft_science": "软科学课题两项。",
        "member_services": "会员服务周到。",
        "website": "https://example.org",
        "honours": "先进学会。",
    },
    "chief_expert": {
        "expert_name": "陈工程师",
        "expert_title": "高级工程师",
        "served_unit": "某装备企业",
        "need_basis": "工艺改进需求。",
        "goals": "解决三项难题。",
        "agreement_signed_on": "2026-03-01",
    },
    "service_station": {
        "served_unit": "某装备企业",
        "goals": "解决三项难题。",
        "agreement_signed_on": "2026-03-01",
        "capability": "专家团队十人。",
    },
}


def approved_this_year(world):
    """连云港 四(一)1: a demonstration society had a project approved in the same year."""
    call = Call.objects.create(
        city=world.city,
        program="function_project",
        title="本年度承接职能示范工程",
        opens_on=dt.date(APPLICATION_DAY.year, 1, 1),
        closes_on=dt.date(2099, 12, 31),
        required_materials=[],
    )
    Application.objects.create(
        city=world.city,
        call=call,
        program="function_project",
        level="city",
        title="已获批的承接职能示范工程",
        society=world.society,
        stage="awarded",
        outcome="certified",
    )


def award(world, program, station=None):
    if program == "demo_society":
        approved_this_year(world)
    if program != "function_project":
        world.call = Call.objects.create(
            city=world.city,
            program=program,
            title=f"2026年{program}",
            opens_on=dt.date(2020, 1, 1),
            closes_on=dt.date(2099, 12, 31),
            quota=1,
            required_materials=[],
        )
        app = services.application_create(call=world.call, actor=world.staff, station=station)
        services.application_save_draft(
            application=app,
            actor=world.staff,
            data={
                "title": f"{program}申报",
                "level": "city",
                "summary": "概述。",
                "council_resolution": "理事会研究通过。",
                **AWARD_DATA[program],
            },
        )
        if program in ("chief_expert", "service_station"):  # 四(二)4, 四(三)4: the county confirms
            services.attachment_add(
                application=app,
                actor=world.staff,
                kind=AttachmentKind.COUNTY_CAST_CONFIRMATION,
                upload=pdf(),
            )
        world.act(app, "submit", world.staff)
    else:
        app = world.submitted()
    world.to_notice(app)
    services.notice_publish(
        city=world.city,
        applications=[app],
        actor=world.admin,
        title="公示",
        start_on=timezone.localdate(),  # a notice starts today or later
    )
    world.act(app, "approve", today=timezone.localdate() + dt.timedelta(days=14))
    assert app.stage == "awarded" and app.outcome == "certified"
    return app


@pytest.mark.parametrize(
    ("program", "amount", "payee"),
    [
        ("demo_society", 8000, "society"),
        ("chief_expert", 2000, "expert"),
        ("function_project", 3000, "society"),  # the undertaking unit: the society itself
    ],
)
def test_a_lianyungang_award_is_granted_once_and_paid_once(world, program, amount, payee):
    app = award(world, program)
    grant = Grant.objects.get(application=app)
    assert grant.station is None and grant.amount == amount
    assert grant.payee_party == world.society
    if payee == "expert":
        assert grant.payee_name == "陈工程师"
        assert fund_services.default_payee(grant)["payee_account_name"] == "陈工程师"
    # The workflow's end grants an application once, however often it is asked.
    again = fund_services.grant_create_for_application(
        application=app, start_year=2026, actor=world.admin
    )
    assert again == grant and Grant.objects.filter(application=app).count() == 1
    pay_twice(grant, UserFactory(role="finance", city=world.city))


def test_a_station_award_keeps_its_station_and_pays_the_society(world):
    """连云港 三(二): the 优秀科技服务站 award rewards the society whose experts run the
    station; the served unit hosting it is not paid."""
    app = award(world, "service_station", station=world.station)
    grant = Grant.objects.get(station=world.station)
    assert grant.application == app and grant.amount == 3000
    assert grant.payee_party == world.society
    assert fund_services.default_payee(grant)["payee_account_name"] in (
        world.society.bank_account_name,
        world.society.name,
    )
    pay_twice(grant, UserFactory(role="finance", city=world.city))


def test_a_function_project_for_a_station_pays_the_society(world):
    """连云港 三(四): the society undertakes the function, even when it names its station."""
    app = world.submitted(station=world.station)
    world.to_notice(app)
    services.notice_publish(
        city=world.city,
        applications=[app],
        actor=world.admin,
        title="公示",
        start_on=timezone.localdate(),  # a notice starts today or later
    )
    world.act(app, "approve", today=timezone.localdate() + dt.timedelta(days=14))
    grant = Grant.objects.get(station=world.station)
    assert grant.application == app and grant.payee_party == world.society


def test_the_subsidy_report_lists_a_stationless_grant_by_its_application():
    """A topic has no station: the report's station column shows the application's title,
    the society is the grant's, the host unit column is empty, and the paid yuan count."""
    from reports.subsidy import subsidy_report

    w, app = hangzhou_topic("research_key")
    w.act(app, "approve")
    grant = Grant.objects.get(application=app)
    paid = pay_twice(grant, UserFactory(role="finance", city=w.city))
    admin = UserFactory(role="city_admin", city=w.city)
    report = subsidy_report(admin, city=w.city, year=paid.year)
    (row,) = [r for r in report.rows if r.grant_id == grant.pk]
    assert (row.station, row.society, row.host_unit) == ("学会助力产业创新研究", w.society.name, "")
    assert (row.paid, row.recovered, row.year, row.program) == (15000, 0, paid.year, "research_key")
