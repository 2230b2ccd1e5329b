"""Guiyang: discretionary later-year support (贵阳 四(三)6) and revocation (贵阳 四(三)4)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from accounts.idempotency import new_token
from accounts.models import AuditEvent
from evaluations.models import StationEvaluation
from funding import services
from funding.models import Disbursement, Grant, GrantDecision, Recovery
from policies.models import PolicyDecision
from policies.registry import get_policy
from stations.choices import StationStatus
from tests.funding.cycle import evaluate_year, make_station, pay_dues, people

pytestmark = pytest.mark.django_db


def guiyang(level="city"):
    station = make_station("guiyang", level=level, program="station")
    who = people(station)
    grant = services.grant_create(
        station=station, program="station", start_year=2024, actor=who["admin"]
    )
    pay_dues(grant, who["finance"])  # the one-off subsidy on certification
    return grant, who


def award(grant, who, year=2025, amount=20000, reason="合作稳定，需求单位续签协议"):
    return services.support_award(
        grant=grant, year=year, amount=amount, reason=reason, actor=who["admin"]
    )


def test_later_support_only_after_a_qualified_assessment_and_then_paid_once():
    grant, who = guiyang()
    with pytest.raises(ValidationError, match=r"考核合格.*贵阳 四\(三\)6"):
        award(grant, who)
    evaluate_year(grant, 2024, 80, who)
    with pytest.raises(ValidationError, match="认定年度"):
        award(grant, who, year=2024)
    decision = award(grant, who)
    assert decision.clause == "贵阳 四(三)6"
    grant.refresh_from_db()
    (due,) = services.payable(grant)
    assert (due["year"], due["paid"], due["clauses"]) == (2025, 20000, ["贵阳 四(三)6"])
    pay_dues(grant, who["finance"])
    assert Disbursement.objects.get(grant=grant, year=2025).amount == 20000
    assert services.payable(grant) == []
    with pytest.raises(services.AlreadyPaid):
        services.disbursement_approve(
            grant=grant,
            year=2025,
            paid_on=dt.date(2026, 1, 5),
            voucher_no="V-x",
            payee_account_name="学会",
            payee_bank="银行",
            payee_account_no="6222020200001234567",
            actor=who["finance"],
        )
    with pytest.raises(ValidationError, match="已确定"):
        award(grant, who)
    assert services.net_paid(grant) == 50000 + 20000
    event = AuditEvent.objects.get(event="funding.support_awarded")
    assert event.clause == "贵阳 四(三)6" and "续签" in event.reason
    assert PolicyDecision.objects.filter(kind="discretionary_support").exists()


def test_no_later_support_after_an_unqualified_assessment():
    grant, who = guiyang()
    evaluate_year(grant, 2024, 50, who)
    with pytest.raises(ValidationError, match="不合格"):
        award(grant, who)


@pytest.mark.parametrize("score, opens", [(80, True), (50, False)])
def test_a_qualified_year_says_what_it_opens_an_unqualified_one_does_not(score, opens):
    """The decision of a qualified year names the discretionary later support (贵阳 四(三)6)
    instead of reading only 支持期满; an unqualified year does not offer it."""
    grant, who = guiyang()
    ev = evaluate_year(grant, 2024, score, who)
    later = [c for c in ev.decision["consequences"] if c["kind"] == "later_support"]
    if opens:
        assert [(c["clause"], "视合作情况给予补助" in c["label"]) for c in later] == [
            ("贵阳 四(三)6", True)
        ]
    else:
        assert later == []


def test_later_support_is_guiyang_only():
    station = make_station("shenyang", level="national", program="key_support")
    who = people(station)
    grant = services.grant_create(
        station=station, program="key_support", start_year=2024, actor=who["admin"]
    )
    with pytest.raises(ValidationError, match="仅适用于贵阳"):
        award(grant, who)


@pytest.mark.parametrize("reason_code", sorted(get_policy("guiyang").revocation_reasons))
def test_revocation_for_each_ground_revokes_without_recovery_unless_decided(reason_code):
    grant, who = guiyang()
    decision = services.grant_revoke(
        grant=grant, reason_code=reason_code, detail="经核查属实", actor=who["admin"]
    )
    grant.refresh_from_db()
    grant.station.refresh_from_db()
    assert grant.status == Grant.Status.REVOKED
    assert grant.station.status == StationStatus.REVOKED
    assert decision.clause == "贵阳 四(三)4"
    assert get_policy("guiyang").revocation_reasons[reason_code] in grant.frozen_reason
    assert not Recovery.objects.filter(grant=grant).exists()
    assert services.payable(grant) == []
    assert AuditEvent.objects.filter(event="funding.grant_revoked", clause="贵阳 四(三)4").exists()


def test_revocation_with_recovery_and_unpaid_support_withdrawn():
    grant, who = guiyang()
    evaluate_year(grant, 2024, 80, who)
    award(grant, who)  # decided but not yet paid
    services.grant_revoke(
        grant=grant,
        reason_code="false_materials",
        detail="申报材料中的专家名单不实",
        recover_amount=50000,
        actor=who["admin"],
    )
    grant.refresh_from_db()
    recovery = Recovery.objects.get(grant=grant)
    assert (recovery.amount, recovery.source, recovery.clause) == (
        50000,
        Recovery.Source.REVOCATION,
        "贵阳 四(三)4",
    )
    assert services.payable(grant) == []  # the 2025 support is no longer due
    assert services.net_paid(grant) == 0
    with pytest.raises(ValidationError, match="已终止"):
        services.grant_revoke(grant=grant, reason_code="absent", detail="再次", actor=who["admin"])
    # A revoked workstation is not assessed the next year.
    from evaluations.services import evaluation_targets

    assert grant not in evaluation_targets(grant.station.city, 2025)
    assert not StationEvaluation.objects.filter(grant=grant, year=2025).exists()


def test_revocation_refuses_unknown_ground_and_too_much_recovery():
    grant, who = guiyang()
    with pytest.raises(ValidationError, match=r"贵阳 四\(三\)4"):
        services.grant_revoke(grant=grant, reason_code="other", detail="x", actor=who["admin"])
    with pytest.raises(ValidationError, match="0–50,000"):
        services.grant_revoke(
            grant=grant,
            reason_code="major_accident",
            detail="x",
            recover_amount=60000,
            actor=who["admin"],
        )
    grant.refresh_from_db()
    assert grant.status != Grant.Status.REVOKED


def test_views_admin_awards_and_revokes_finance_cannot(client):
    grant, who = guiyang()
    evaluate_year(grant, 2024, 80, who)
    client.force_login(who["finance"])
    assert client.post(f"/funding/grants/{grant.pk}/revoke/", {}).status_code == 403
    assert client.post(f"/funding/grants/{grant.pk}/support/", {}).status_code == 403
    client.force_login(who["admin"])
    page = client.get(f"/funding/grants/{grant.pk}/").content.decode()
    assert "贵阳 四(三)4" in page and "贵阳 四(三)6" in page and "<script>" not in page
    response = client.post(
        f"/funding/grants/{grant.pk}/support/",
        {
            "support-year": 2025,
            "support-amount": 30000,
            "support-reason": "合作良好",
            "support-form_token": new_token(),
        },
        follow=True,
    )
    assert "已确定2025年度后续补助 30,000 元" in response.content.decode()
    response = client.post(
        f"/funding/grants/{grant.pk}/revoke/",
        {
            "revoke-reason_code": "ip_infringement",
            "revoke-detail": "法院判决确认侵权",
            "revoke-recover": "on",
            "revoke-recover_amount": 10000,
            "revoke-form_token": new_token(),
        },
        follow=True,
    )
    page = response.content.decode()
    assert "已撤销该学会工作站（贵阳 四(三)4），追回 10,000 元" in page
    assert GrantDecision.objects.filter(grant=grant).count() == 2
    station_page = client.get(f"/funding/stations/{grant.station_id}/").content.decode()
    assert "贵阳 四(三)4" in station_page and "恶意侵犯他人知识产权" in station_page
