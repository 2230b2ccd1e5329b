"""Stored parameters, decisions, facts from model rows, the holiday table, and the pages."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from applications.facts import build_facts
from applications.models import Application, Call
from policies import engine, selectors, services
from policies.models import PolicyDecision, PolicyVersion, StatutoryDay
from policies.workdays import CalendarMissing
from stations.choices import ActivityKind, StationStatus
from tests.factories import (
    ActivityRecordFactory,
    StationFactory,
    city,
)

pytestmark = pytest.mark.django_db


def test_version_1_exists_for_every_reference_city_with_the_defaults():
    for code in ("shenyang", "yiyang", "lianyungang", "guiyang", "hangzhou"):
        version = selectors.policy_version_for(city(code))
        assert version.version == 1
    assert (
        PolicyVersion.objects.get(city__code="shenyang", version=1).params["key_support_amount"]
        == 30000
    )
    # Idempotent.
    services.policy_version_ensure_initial(city=city("shenyang"))
    assert PolicyVersion.objects.filter(city__code="shenyang").count() == 1


def test_editing_creates_a_new_audited_version_and_past_decisions_keep_theirs(personas):
    sy = city("shenyang")
    scenario = {
        "program": "key_support",
        "level": "national",
        "start_year": 2024,
        "evaluations": [{"year": 2024, "score": 80}, {"year": 2025, "score": 80}],
    }
    before = services.funding_decide(city=sy, scenario=scenario, actor=personas["admin"])
    assert before.policy_version.version == 1 and before.outcome["total_paid"] == 60000

    v1 = selectors.policy_version_for(sy)
    new = services.policy_version_create(
        city=sy,
        params={**v1.params, "key_support_amount": 50000, "cutoff_good": 85},
        effective_from=dt.date(2024, 1, 1),
        note="2024年起提高补助",
        actor=personas["admin"],
    )
    assert new.version == 2
    v1.refresh_from_db()
    assert v1.params["key_support_amount"] == 30000  # never mutated
    event = AuditEvent.objects.get(event="policy.params_changed")
    assert event.detail["changed"]["key_support_amount"] == {"before": 30000, "after": 50000}
    assert event.reason == "2024年起提高补助" and event.city_id == sy.id

    after = services.funding_decide(city=sy, scenario=scenario, actor=personas["admin"])
    assert after.policy_version.version == 2
    assert after.outcome["total_paid"] == 50000  # 80 is now only 合格 in year 2
    before = PolicyDecision.objects.get(pk=before.pk)
    assert before.policy_version.version == 1 and before.outcome["total_paid"] == 60000
    # The version in force follows effective dates.
    assert selectors.policy_version_for(sy, dt.date(2023, 6, 1)).version == 1


def test_invalid_parameters_are_refused():
    from policies.types import PolicyError

    sy = city("shenyang")
    with pytest.raises(PolicyError):
        services.policy_version_create(
            city=sy,
            params={"cutoff_excellent": 50},
            effective_from=dt.date(2025, 1, 1),
            note="x",
            actor=None,
        )
    assert PolicyVersion.objects.filter(city=sy).count() == 1


def _application_for(station, program, level, **form):
    """An application for `station` (the facts are always an application's: one builder)."""
    call = Call.objects.create(
        city=station.city,
        program=program,
        title="申报",
        opens_on=dt.date(2020, 1, 1),
        closes_on=dt.date(2099, 12, 31),
    )
    return Application.objects.create(
        city=station.city,
        call=call,
        program=program,
        level=level,
        title="申报",
        society=station.society,
        host_unit=station.host_unit,
        station=station,
        form_data=form,
    )


def test_eligibility_from_model_rows():
    yy = city("yiyang")
    station = StationFactory(city=yy, program="station", level="provincial", discipline="水产")
    station.host_unit.registered_city = "长沙市"
    station.host_unit.save()
    StationFactory(city=yy, society=station.society, program="station")
    app = _application_for(
        station, "station", "provincial", experts="王一，湖南省\n王二，湖南省", discipline="水产"
    )
    facts = build_facts(app, today=dt.date(2025, 4, 1))
    policy, params, version = selectors.params_for(yy, dt.date(2025, 4, 1))
    findings = engine.check_eligibility(policy, "station", facts, params)
    blocked = {f.code for f in findings if f.severity == "block"}
    assert {"host_not_registered", "expert_count", "one_per_society", "staff_count"} <= blocked
    assert version.version == 1
    assert all(f.clause.startswith("益阳 ") for f in findings)


def test_shenyang_facts_see_previous_key_support_and_same_discipline():
    sy = city("shenyang")
    station = StationFactory(city=sy, discipline="焊接", status=StationStatus.KEY_SUPPORTED)
    StationFactory(city=sy, discipline="焊接")
    facts = build_facts(_application_for(station, "key_support", "city", discipline="焊接"))
    assert facts.previously_key_supported and facts.same_discipline_stations == 1


def test_activity_summary_and_yiyang_items():
    yy = city("yiyang")
    station = StationFactory(city=yy, program="station", term_start=dt.date(2024, 1, 1))
    for month in (2, 5, 8, 11):
        ActivityRecordFactory(
            station=station,
            kind=ActivityKind.EXPERT_ONSITE,
            date=dt.date(2024, month, 3),
            quantity=10,
        )
    ActivityRecordFactory(
        station=station, kind=ActivityKind.TRAINING, date=dt.date(2024, 3, 1), trainees=60
    )
    ActivityRecordFactory(
        station=station, kind=ActivityKind.TRAINING, date=dt.date(2024, 9, 1), trainees=40
    )
    ActivityRecordFactory(
        station=station,
        kind=ActivityKind.AGREEMENT_PROGRESS,
        date=dt.date(2024, 12, 1),
        quantity=55,
    )
    ActivityRecordFactory(
        station=station, kind=ActivityKind.TRAINING, date=dt.date(2023, 9, 1), trainees=90
    )
    summary, items = selectors.quantitative_assessment(station, 2024)
    assert summary.expert_days_by_quarter == (10, 10, 10, 10) and summary.term_year == 1
    assert summary.training_trainees == (60, 40)
    passed = {i.code: i.passed for i in items}
    assert passed == {
        "agreement": True,
        "onsite": True,
        "survey": False,
        "training": False,
        "results": False,
    }


def test_holiday_table_overrides_and_missing_year_error(personas):
    with pytest.raises(CalendarMissing, match="请管理员"):
        selectors.notice_end(dt.date(2027, 10, 1), 5)
    services.statutory_day_save(
        date=dt.date(2027, 10, 1), is_workday=False, name="国庆节", actor=personas["admin"]
    )
    assert selectors.notice_end(dt.date(2027, 10, 1), 1) == dt.date(2027, 10, 4)
    assert AuditEvent.objects.filter(event="policy.statutory_day_saved").count() == 1
    assert selectors.notice_end_for(city("yiyang"), dt.date(2024, 9, 27)) == dt.date(2024, 10, 9)


# -- pages ---------------------------------------------------------------------------------
def test_city_admin_sees_and_edits_own_city_parameters(personas, login):
    client = login(personas["admin"])
    url = reverse("policies:params", args=["shenyang"])
    page = client.get(url)
    assert page.status_code == 200 and "key_support_amount" in page.content.decode()
    data = {**selectors.policy_version_for(city("shenyang")).params}
    data.update(key_support_amount=35000, effective_from="2025-01-01", note="调整")
    data["same_discipline_blocks"] = "on"
    done = client.post(url, data)
    assert done.status_code == 302
    assert (
        PolicyVersion.objects.get(city__code="shenyang", version=2).params["key_support_amount"]
        == 35000
    )


@pytest.mark.parametrize("persona", ["hangzhou_admin", "talent", "society", "county", "finance"])
def test_others_get_404_for_shenyang_parameters(personas, login, persona):
    client = login(personas[persona])
    assert client.get(reverse("policies:params", args=["shenyang"])).status_code == 404
    assert client.post(reverse("policies:params", args=["shenyang"]), {}).status_code == 404


def test_superuser_may_edit_any_city(personas, login):
    client = login(personas["super"])
    assert client.get(reverse("policies:params", args=["guiyang"])).status_code == 200


def test_anonymous_is_sent_to_login(client):
    assert client.get(reverse("policies:params", args=["shenyang"])).status_code == 302


def test_simulate_page_runs_the_engine(personas, login):
    client = login(personas["admin"])
    page = client.post(
        reverse("policies:simulate"),
        {
            "city": "shenyang",
            "program": "key_support",
            "level": "national",
            "start_year": 2024,
            "evaluations": "2024:92\n2025:78",
        },
    )
    assert page.status_code == 200
    assert page.context["result"]["total_paid"] == 60000
    bad = client.post(
        reverse("policies:simulate"),
        {"city": "shenyang", "program": "nothing", "level": "national", "start_year": 2024},
    )
    assert "没有项目" in bad.context["error"]
    # A Shenyang administrator cannot simulate with Hangzhou's parameters.
    other = client.post(
        reverse("policies:simulate"),
        {
            "city": "hangzhou",
            "program": "station",
            "level": "city",
            "start_year": 2024,
            "amount": 20000,
        },
    )
    assert other.context["result"] is None


def test_holiday_page(personas, login):
    client = login(personas["admin"])
    url = reverse("policies:holidays")
    assert client.get(url).status_code == 200
    client.post(url, {"date": "2027-02-06", "is_workday": "1", "name": "春节调休上班"})
    assert StatutoryDay.objects.get(date=dt.date(2027, 2, 6)).is_workday
    assert login(personas["society"]).get(url).status_code == 404


def test_role_value_exists():
    assert Role.CITY_ADMIN == "city_admin"
