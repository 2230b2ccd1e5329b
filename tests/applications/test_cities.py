"""The four other cities' main paths through the real services, stage by stage."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from applications import selectors, services
from applications.forms import budget_total, rmb_uppercase
from applications.models import Certification, QuotaOverride
from applications.services import TransitionError
from funding.models import Grant
from policies.models import PolicyDecision
from stations.choices import StationStatus
from tests.applications.cities import AFTER_NOTICE, Guiyang, Hangzhou, Shenyang, Yiyang

pytestmark = pytest.mark.django_db


def moves(app):
    return list(app.transitions.values_list("from_stage", "to_stage"))


# --- Yiyang ------------------------------------------------------------------------------------


def test_yiyang_county_city_inspection_talent_office_notice_certified():
    w = Yiyang()
    app = w.submitted()
    assert app.stage == "county_review"
    with pytest.raises(PermissionDenied):
        w.act(app, "approve", w.other_county)  # another district's county CAST
    w.act(app, "approve", w.county)
    assert app.stage == "city_review"
    w.act(app, "approve")
    assert app.stage == "site_inspection"
    with pytest.raises(TransitionError, match="尚未记录实地考察"):
        w.act(app, "approve")
    w.inspect(app)
    w.act(app, "approve")
    w.act(app, "approve")
    assert app.stage == "talent_approval"
    with pytest.raises(PermissionDenied):
        w.act(app, "approve")  # the city CAST does not approve for the talent office
    w.act(app, "approve", w.talent)
    assert app.stage == "public_notice"
    notice = w.notice([app])
    assert (notice.workdays, notice.end_on) == (5, dt.date(2025, 11, 28))  # 益阳 第八条(三)
    with pytest.raises(TransitionError, match="期满后"):
        w.act(app, "approve", today=dt.date(2025, 11, 28))
    w.act(app, "approve", today=AFTER_NOTICE)
    assert (app.stage, app.outcome) == ("certified", "certified")
    assert moves(app) == [
        ("draft", "county_review"),
        ("county_review", "city_review"),
        ("city_review", "site_inspection"),
        ("site_inspection", "city_decision"),
        ("city_decision", "talent_approval"),
        ("talent_approval", "public_notice"),
        ("public_notice", "certified"),
    ]
    cert = Certification.objects.get(application=app)
    assert re.fullmatch(r"益科协〔\d{4}〕\d+号", cert.certificate_no)
    station = app.station
    station.refresh_from_db()
    assert station.status == StationStatus.CERTIFIED
    assert station.certificate_no == cert.certificate_no
    grant = Grant.objects.get(station=station)
    assert (grant.program, grant.level, grant.policy_version) == ("station", "city", 1)


def test_yiyang_units_with_their_own_cast_go_straight_to_the_city():
    w = Yiyang()
    applicant = w.new_applicant(own_cast=True)
    app = w.submitted(applicant)
    assert app.stage == "city_review"
    assert app.transitions.get().skipped == ["county_review"]


def test_yiyang_city_level_quota_of_five_per_round_needs_an_override_reason():
    w = Yiyang()
    for _ in range(5):
        app = w.to_talent_approval(w.submitted(w.new_applicant()))
        w.act(app, "approve", w.talent)
        assert app.stage == "public_notice"
    sixth = w.to_talent_approval(w.submitted(w.new_applicant()))
    with pytest.raises(TransitionError, match=r"名额已满（5/5）"):
        w.act(sixth, "approve", w.talent)
    # Provincial stations are certified as needed: the city-level quota does not count them.
    provincial = w.to_talent_approval(
        w.submitted(w.new_applicant(nature="county_cast", level="provincial"), level="provincial")
    )
    w.act(provincial, "approve", w.talent)
    assert provincial.stage == "public_notice"
    assert not QuotaOverride.objects.filter(application=provincial).exists()
    w.act(sixth, "approve", w.talent, override_reason="该站服务全市数字经济产业，经研究增列。")
    override = QuotaOverride.objects.get(application=sixth)
    assert (override.quota, override.approved_count) == (5, 5)
    assert override.actor == w.talent


def test_yiyang_national_station_amount_is_entered_at_approval_and_funds_the_grant():
    w = Yiyang()
    applicant = w.new_applicant(nature="county_cast", level="national")
    app = w.to_talent_approval(w.submitted(applicant, level="national"))
    with pytest.raises(TransitionError, match="核定金额"):
        w.act(app, "approve", w.talent)
    w.act(app, "approve", w.talent, amount=80000)
    assert app.amount == 80000
    w.notice([app])
    w.act(app, "approve", today=AFTER_NOTICE)
    grant = Grant.objects.get(station=app.station)
    assert (grant.level, grant.amount, grant.amount_entered) == ("national", 80000, 80000)


def test_yiyang_city_station_grant_states_the_levels_amount_before_any_year_is_assessed():
    # 益阳 第十六条: nothing is due until the first year is assessed 合格, yet the grant made at
    # certification is the city level's 50,000 a year (it was 0: the schedule paid nothing yet).
    w = Yiyang()
    applicant = w.new_applicant(nature="enterprise_cast", own_cast=True)
    app = w.submitted(applicant)
    assert app.stage == "city_review"  # 第八条(一): a unit with its own CAST applies directly
    app = w.to_talent_approval(app)
    w.act(app, "approve", w.talent)
    w.notice([app])
    w.act(app, "approve", today=AFTER_NOTICE)
    grant = Grant.objects.get(station=app.station)
    assert (grant.level, grant.amount, grant.amount_entered) == ("city", 50000, None)
    assert [y["paid"] for y in grant.schedule["years"]] == [0, 0]


def test_eligibility_is_stored_as_a_policy_decision_with_the_version_at_submit():
    w = Yiyang()
    app = w.draft(experts="专家甲，湖南省")  # 益阳 第七条(六): at least five experts
    with pytest.raises(TransitionError, match="专家团队不少于5人"):
        w.act(app, "submit", w.applicant[0])
    refused = PolicyDecision.objects.get(kind="eligibility", subject_id=str(app.pk))
    assert refused.outcome["eligible"] is False
    assert refused.policy_version.version == 1
    assert "益阳 第七条(六)" in refused.clauses
    assert refused.inputs["level"] == "city" and len(refused.inputs["experts"]) == 1
    services.application_save_draft(application=app, actor=w.applicant[0], data=w.form_data())
    w.act(app, "submit", w.applicant[0])
    latest = PolicyDecision.objects.filter(kind="eligibility", subject_id=str(app.pk)).latest("id")
    assert latest.outcome["eligible"] is True
    assert latest.created_by == w.applicant[0]


# --- Guiyang -----------------------------------------------------------------------------------


def test_guiyang_materials_inspection_chair_meeting_certified_with_one_off_subsidy():
    w = Guiyang()
    app = w.submitted()
    assert app.stage == "material_review"
    assert app.host_unit == w.demand_unit and app.station.host_unit == w.demand_unit
    total = budget_total(app.form_data["budget"])
    assert (total, rmb_uppercase(total)) == (Decimal("100000"), "壹拾万元整")
    w.act(app, "approve")
    assert app.stage == "site_inspection"
    with pytest.raises(TransitionError, match="尚未记录实地考察.*贵阳 四\\(二\\)2"):
        w.act(app, "approve")
    w.inspect(app)
    w.act(app, "approve")
    assert app.stage == "chair_meeting"
    w.act(app, "approve")
    assert (app.stage, app.outcome) == ("certified", "certified")
    app.station.refresh_from_db()
    assert app.station.status == StationStatus.CERTIFIED
    grant = Grant.objects.get(station=app.station)
    assert grant.amount == 50000  # 贵阳 四(四)2: city-level station, once (Interpretation 3)


def test_guiyang_needs_a_demand_unit_before_submitting():
    w = Guiyang()
    app = services.application_create(call=w.call, actor=w.staff)
    services.application_save_draft(
        application=app, actor=w.staff, data=w.form_data(), budget=w.BUDGET
    )
    with pytest.raises(TransitionError, match="请选择需求（建站）单位"):
        w.act(app, "submit", w.staff)


# --- Hangzhou ----------------------------------------------------------------------------------


def test_hangzhou_initial_experts_joint_approval_contract_with_the_amount_in_range():
    w = Hangzhou()
    app = w.submitted()
    assert app.stage == "cast_initial"
    w.act(app, "approve")
    assert app.stage == "expert_review"
    w.score_all(app, [80, 90, 70])
    panel = selectors.panel_for(app, "expert_review")
    assert panel["trim"] and panel["stats"]["trimmed"] == Decimal("80.00")  # trimmed_mean on
    w.act(app, "approve")
    assert app.stage == "joint_review"
    with pytest.raises(PermissionDenied):
        w.act(app, "approve")  # talent office, science committee and finance bureau review
    w.act(app, "approve", w.talent)
    assert app.stage == "approval"
    with pytest.raises(TransitionError, match="核定金额"):
        w.act(app, "approve")
    with pytest.raises(TransitionError, match="超出.*20000–30000"):
        w.act(app, "approve", amount=40000)
    w.act(app, "approve", amount=25000)
    assert (app.stage, app.amount) == ("contract", 25000)
    assert not Grant.objects.exists()  # money follows the contract (政策解释 4)
    with pytest.raises(TransitionError, match="请先登记项目合同.*杭州 附件第九条"):
        w.act(app, "approve")  # the service asks for the contract, not only the page
    w.sign_contract(app)
    w.act(app, "approve")
    assert (app.stage, app.outcome) == ("approved", "certified")
    grant = Grant.objects.get(station=app.station)
    assert (grant.program, grant.amount) == ("station", 25000)
    assert grant.schedule["years"][0]["paid"] == 25000


# --- Shenyang ----------------------------------------------------------------------------------


def test_shenyang_filing_by_the_host_unit_names_its_society():
    w = Shenyang()
    staff, society = w.new_host()
    app = w.filed(staff, society)
    assert (app.stage, app.outcome) == ("filed", "filed")
    assert app.society == society
    app.station.refresh_from_db()
    assert app.station.status == StationStatus.FILED
    assert not Grant.objects.exists()  # filing carries no money


def test_shenyang_key_support_investigation_experts_approval_named_with_quota_three():
    w = Shenyang()
    stations = []
    for index, (name, discipline) in enumerate(
        [
            ("中国机械工程学会", "机械工程"),
            ("中国化工学会", "化学工程"),
            ("中国电子学会", "电子"),
            ("中国农学会", "农学"),
        ]
    ):
        staff, society = w.new_host(name, discipline)
        filing = w.filed(staff, society, discipline=discipline)
        stations.append((staff, filing.station, index))
    apps = []
    for staff, station, index in stations:
        app = w.key_support(staff, station, discipline=station.discipline or "x")
        assert app.stage == "investigation", app.findings
        w.act(app, "approve")
        w.score_all(app, [90 - index, 88 - index, 86 - index], experts=w.experts[:3])
        w.act(app, "approve")
        assert app.stage == "city_approval"
        apps.append(app)
    for app in apps[:3]:
        w.act(app, "approve")
    with pytest.raises(TransitionError, match=r"名额已满（3/3）"):
        w.act(apps[3], "approve")
    ranking = selectors.ranking(w.admin, w.call)
    assert [r.pk for r in ranking["rows"]] == [a.pk for a in apps]
    assert [r.within_quota for r in ranking["rows"]] == [True, True, True, False]
    first = apps[0]
    assert (first.stage, first.outcome) == ("named", "certified")
    first.station.refresh_from_db()
    assert first.station.name == "中国机械工程学会沈阳服务站"  # 沈阳 三(二) naming rule
    assert first.station.status == StationStatus.KEY_SUPPORTED
    assert Certification.objects.get(application=first).official_name == first.station.name
    grant = Grant.objects.get(station=first.station)
    assert (grant.program, grant.amount) == ("key_support", 30000)


def test_ranking_page_shows_the_quota_used_and_left(client):
    w = Yiyang()
    app = w.to_talent_approval(w.submitted())
    w.act(app, "approve", w.talent)
    client.force_login(w.talent)
    page = client.get(reverse("applications:ranking", args=[w.call.pk])).content.decode()
    assert "已通过名额控制环节 <strong>1</strong> 家" in page
    assert "剩余 <strong>4</strong> 家" in page
