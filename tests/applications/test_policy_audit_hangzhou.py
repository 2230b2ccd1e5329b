"""杭州 policy-audit gaps (issue 12): the penalty ban and 不重复资助 at submission/approval."""

import datetime as dt

import pytest

from accounts.models import AuditEvent
from applications.models import Application, Call
from applications.services import TransitionError
from funding import services as fund_services
from funding.models import GrantDecision
from policies.registry import get_policy
from policies.services import policy_version_create
from stations.choices import Level, StationStatus
from tests.applications.cities import Hangzhou
from tests.factories import SocietyFactory, StationFactory

pytestmark = pytest.mark.django_db


def funded_station(w, program="station", start_year=2025, amount=25000):
    station = StationFactory(
        city=w.city,
        society=w.society,
        level=Level.CITY,
        program=program,
        status=StationStatus.CERTIFIED,
    )
    grant = fund_services.grant_create(
        station=station,
        program=program,
        level="city",
        start_year=start_year,
        amount=amount,
        actor=w.admin,
    )
    return station, grant


def set_params(w, **changed):
    policy = get_policy("hangzhou")
    policy_version_create(
        city=w.city,
        params={**policy.defaults, **changed},
        effective_from=dt.date(2020, 1, 1),
        note="测试",
        actor=w.admin,
    )


@pytest.mark.parametrize(
    ("clause", "measure", "ban_years", "blocked"),
    [
        ("杭州 附件第十三条", "ban", 5, True),  # was not checked at submission at all
        ("杭州 附件第十三条", "revoke", 5, True),
        ("杭州 附件第十三条", "ban", 1, False),  # the parameter, not a constant: ended
        ("杭州 附件第十三条", "stop", 5, False),  # stop payment: a warning only
    ],
)
def test_penalty_ban_is_checked_at_submission_from_the_parameter(
    clause, measure, ban_years, blocked
):
    w = Hangzhou()
    if ban_years != 5:
        set_params(w, ban_years=ban_years)
    _, grant = funded_station(w)
    fund_services.grant_penalize(grant=grant, measure=measure, reason="逾期未报", actor=w.admin)
    # The penalty was decided on 2025-03-01; applications are dated 2026-06-01.
    GrantDecision.objects.filter(grant=grant).update(
        created_at=dt.datetime(2025, 3, 1, 10, tzinfo=dt.UTC)
    )
    if blocked:
        with pytest.raises(TransitionError) as exc:
            w.submitted()
        assert clause in str(exc.value) and f"{ban_years}年内不受理" in str(exc.value)
    else:
        app = w.submitted()
        assert app.stage == "cast_initial"
        codes = {f["code"]: f for f in app.findings}
        if measure == "stop":
            assert codes["penalty_ban"]["severity"] == "warn"
            assert codes["penalty_ban"]["clause"] == clause
        else:
            assert "penalty_ban" not in codes


def test_ban_length_set_by_grant_penalize_follows_the_parameter():
    w = Hangzhou()
    set_params(w, ban_years=3)
    _, grant = funded_station(w)
    grant = fund_services.grant_penalize(
        grant=grant, measure="ban", reason="违规使用", actor=w.admin
    )
    today = dt.date.today()
    assert grant.banned_until.year - today.year == 3


def to_approval(w, app):
    w.act(app, "approve")
    w.score_all(app, [80, 90, 70])
    w.act(app, "approve")
    w.act(app, "approve", w.talent)
    assert app.stage == "approval"
    return app


@pytest.mark.parametrize(
    ("clause", "program", "start_year", "amount", "overlaps"),
    [
        ("杭州 六(二)", "service_base", 2026, 80000, True),  # a base of the same society
        ("杭州 六(二)", "station", 2025, 25000, True),  # another station, 2025–2027
        ("杭州 六(二)", "research_major", 2026, None, True),  # a research topic this year
        ("杭州 六(二)", "overseas_talent", 2026, 30000, True),  # a 海智 activity
        ("杭州 六(二)", "station", 2021, 25000, False),  # 2021–2023: over before 2026
        ("杭州 六(二)", "research_key", 2025, None, False),  # one-off in 2025
    ],
)
def test_overlapping_funded_activity_warns_at_submission_and_blocks_approval(
    clause, program, start_year, amount, overlaps
):
    w = Hangzhou()
    station, _ = funded_station(w, program=program, start_year=start_year, amount=amount)
    app = w.submitted()
    warned = [f for f in app.findings if f["code"] == "double_funding"]
    assert bool(warned) is overlaps, clause
    if overlaps:
        assert warned[0]["severity"] == "warn" and warned[0]["clause"] == clause
        assert str(station) in warned[0]["message"]
    events = AuditEvent.objects.filter(event="application.double_funding_overridden")
    to_approval(w, app)
    if not overlaps:
        w.act(app, "approve", amount=25000)
        assert app.stage == "contract" and not events.exists()
        return
    with pytest.raises(TransitionError) as exc:
        w.act(app, "approve", amount=25000)
    assert clause in str(exc.value) and str(station) in str(exc.value)
    app.refresh_from_db()
    assert app.stage == "approval"
    w.act(app, "approve", amount=25000, override_reason="服务对象与内容不同，不构成包含关系")
    assert app.stage == "contract"
    event = events.get()
    assert event.clause == clause and "不构成包含关系" in event.reason


def topic_grant(w, society, title):
    """A research topic granted to `society` (a grant without a station)."""
    call = Call.objects.create(
        city=w.city,
        program="research_key",
        title=f"{title}申报",
        opens_on=dt.date(2020, 1, 1),
        closes_on=dt.date(2099, 12, 31),
        required_materials=[],
    )
    topic = Application.objects.create(
        call=call,
        city=w.city,
        program="research_key",
        society=society,
        title=title,
        level="city",
        created_by=w.admin,
    )
    return fund_services.grant_create_for_application(
        application=topic, start_year=2026, actor=w.admin
    )


@pytest.mark.parametrize("own_society", [True, False])
def test_a_station_less_grant_counts_as_funded_activity(own_society):
    """杭州 六(二): a research topic's grant (no station) of the same society overlaps."""
    w = Hangzhou()
    society = w.society if own_society else SocietyFactory(city=w.city)
    grant = topic_grant(w, society, "学会助力产业创新研究")
    assert grant.station_id is None
    app = w.submitted()
    warned = [f for f in app.findings if f["code"] == "double_funding"]
    assert bool(warned) is own_society
    if own_society:
        assert "学会助力产业创新研究" in warned[0]["message"]
        assert warned[0]["clause"] == "杭州 六(二)"
