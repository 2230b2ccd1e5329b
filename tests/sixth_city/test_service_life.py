"""Issue 14: the invented sixth city lives its whole life through the production services.

call → application → county review (and, for a host with its own CAST, its skip) → city
review → expert panel → ranking → public notice → certification → station and grant →
yearly evaluation (self-report, scoring, grade) → payment → 不合格: funding stopped, the
year's money recovered, the station revoked; each step's clause checked where it is
recorded (transition, policy decision, station status change, recovery, audit row).
"""

import datetime as dt

import pytest
import time_machine

from accounts.models import AuditEvent
from applications.models import ApplicationTransition
from funding.models import Grant, Recovery
from policies.models import PolicyDecision
from stations.choices import StationStatus

from . import testcity as T
from .world import NOTICE_START, World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(testcity_city):
    return World(testcity_city)


def decisions(subject, kind):
    return PolicyDecision.objects.filter(
        subject_type=subject._meta.label, subject_id=str(subject.pk), kind=kind
    )


def audits(obj, event):
    return AuditEvent.objects.filter(
        object_type=obj._meta.label, object_id=str(obj.pk), event=event
    )


def test_the_registry_knows_the_sixth_city_only_while_registered(testcity_city):
    from policies.registry import all_policies, get_policy, register
    from policies.types import PolicyError

    assert get_policy("testcity") is T.POLICY
    assert "testcity" in all_policies()
    with pytest.raises(PolicyError, match="已被占用"):
        register(T.POLICY)  # nor can a test shadow a real city's code


def test_whole_life_of_a_sixth_city_station(world):
    w = world
    # -- application and the review stages, each with its clause --------------------------
    app = w.draft()
    submit = w.act(app, "submit", w.staff)
    assert (submit.to_stage, submit.clause, submit.skipped) == ("county_review", T.APPLY, [])
    (eligibility,) = decisions(app, "eligibility")
    assert eligibility.outcome["eligible"] is True
    assert eligibility.clauses[:2] == [T.GENERAL, T.FUNDS]

    county = w.act(app, "approve", w.county)
    assert (county.to_stage, county.clause) == ("city_review", T.COUNTY)
    city = w.act(app, "approve")
    assert (city.to_stage, city.clause) == ("expert_review", T.CITY)
    w.score_all(app)
    panel = w.act(app, "approve")
    assert (panel.to_stage, panel.clause) == ("ranking", T.PANEL)
    ranking = w.act(app, "approve")
    assert (ranking.to_stage, ranking.clause) == ("public_notice", T.PANEL)

    notice = services_notice(w, app)
    assert notice.clause == T.NOTICE and notice.workdays == 5
    assert notice.end_on == dt.date(2026, 11, 30)
    certified = w.act(app, "approve")
    assert (certified.to_stage, certified.clause) == ("certified", T.NOTICE)
    assert app.outcome == "certified"
    assert [a.clause for a in audits(app, "application.approve").order_by("at", "id")] == [
        T.COUNTY,
        T.CITY,
        T.PANEL,
        T.PANEL,
        T.NOTICE,
    ]

    # -- certification: the station, its certificate (the city's 文号) and its grant ---------
    cert = app.certification
    assert cert.certificate_no.startswith("测科协〔2026〕")
    station = app.station
    station.refresh_from_db()
    assert station.status == StationStatus.CERTIFIED
    assert station.certificate_no == cert.certificate_no
    change = station.status_changes.get(to_status=StationStatus.CERTIFIED)
    assert change.clause == T.NOTICE
    grant = Grant.objects.get(station=station)
    assert (grant.program, grant.level, grant.start_year, grant.amount) == (
        T.PROGRAM,
        "city",
        2026,
        50000,
    )
    assert grant.clauses == [T.GENERAL, T.FUNDS]
    assert [(y["year"], y["paid"]) for y in grant.schedule["years"]] == [
        (2026, 50000),
        (2027, 0),
        (2028, 0),
    ]
    (schedule,) = decisions(grant, "grant_schedule")
    assert schedule.clauses == [T.GENERAL, T.FUNDS]

    # -- year 1: paid on certification; 良好 makes the next year's money due --------------
    (first,) = w.pay_dues(grant)
    assert (first.year, first.amount) == (2026, 50000)
    ev = w.evaluate(grant, 2026, 85)
    assert (ev.grade, ev.decision["year"]["clauses"]) == ("good", [T.FUNDS, T.EVALUATION])
    assert [c["kind"] for c in ev.decision["consequences"]] == ["pay"]
    assert ev.decision["consequences"][0]["clause"] == T.FUNDS
    (graded,) = decisions(ev, "evaluation_grade")
    assert graded.clauses == [T.FUNDS, T.EVALUATION]
    assert audits(ev, "evaluations.confirmed").get().clause == f"{T.FUNDS}、{T.EVALUATION}"
    assert audits(ev, "evaluations.self_report_submitted").exists()
    grant.refresh_from_db()
    (second,) = w.pay_dues(grant)
    assert (second.year, second.amount) == (2027, 50000)
    assert grant.status == Grant.Status.ACTIVE

    # -- year 2: 不合格 → funding stopped, the year's money recovered, station revoked -------
    with time_machine.travel(dt.datetime(2027, 12, 1, 10, 0), tick=True):
        ev = w.evaluate(grant, 2027, 50)
    assert ev.grade == "unqualified"
    assert ev.decision["year"]["clauses"] == [T.FUNDS, T.EVALUATION, T.ADVERSE]
    kinds = {c["kind"]: c for c in ev.decision["consequences"]}
    assert kinds["recover"]["amount"] == 50000 and kinds["recover"]["clause"] == T.ADVERSE
    assert kinds["revoke"]["applied"] is True
    recovery = Recovery.objects.get(grant=grant)
    assert (recovery.year, recovery.amount, recovery.source, recovery.clause) == (
        2027,
        50000,
        Recovery.Source.POLICY,
        T.ADVERSE,
    )
    grant.refresh_from_db()
    station.refresh_from_db()
    assert grant.status == Grant.Status.REVOKED
    assert grant.schedule["years"][-1] == {
        "year": 2028,
        "score": None,
        "grade": None,
        "paid": 0,
        "recovered": 0,
        "status": "revoked",
        "clauses": [T.ADVERSE],
    }
    assert station.status == StationStatus.REVOKED
    revoked = station.status_changes.get(to_status=StationStatus.REVOKED)
    assert T.ADVERSE in revoked.clause
    assert not [d for d in _payable(grant)]  # nothing more is due


def test_a_host_unit_with_its_own_cast_skips_the_county_review(world):
    app = world.draft(host=world.cast_host, title="测试市化工学会服务站")
    submit = world.act(app, "submit", world.staff)
    assert (submit.to_stage, submit.skipped) == ("city_review", ["county_review"])
    assert audits(app, "application.submit").get().detail["skipped"] == ["county_review"]
    assert not ApplicationTransition.objects.filter(
        application=app, from_stage="county_review"
    ).exists()


def test_an_ineligible_submission_is_refused_with_the_citys_clause(world):
    from applications.services import TransitionError

    app = world.draft(agreement_signed_on="")
    with pytest.raises(TransitionError, match=T.CONDITIONS):
        world.act(app, "submit", world.staff)
    app.refresh_from_db()
    assert app.stage == "draft"
    assert [f["clause"] for f in app.findings if f["code"] == "agreement_missing"] == [T.CONDITIONS]


def services_notice(w, app):
    from applications import services

    return services.notice_publish(
        city=w.city,
        applications=[app],
        actor=w.admin,
        title="拟认定名单公示",
        start_on=NOTICE_START,
    )


def _payable(grant):
    from funding import services

    return services.payable(grant)
