"""Disbursements, recoveries, expenses and the grant-creation rules, each with its clause."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Notification
from funding import services
from funding.models import Disbursement, Recovery, TaskReceipt
from funding.tasks import send_payment_notice
from stations.choices import StationStatus
from tests.factories import StationFactory
from tests.funding.cycle import make_station, pay_dues, people

pytestmark = pytest.mark.django_db

PAY = dict(
    paid_on=dt.date(2025, 1, 10),
    voucher_no="V-1",
    payee_account_name="某单位",
    payee_bank="中国银行",
    payee_account_no="6222020200001234567",
)


def shenyang_grant():
    station = make_station("shenyang", level="national", program="key_support")
    who = people(station)
    grant = services.grant_create(
        station=station, program="key_support", start_year=2024, actor=who["admin"]
    )
    return grant, who


def test_year_one_due_on_selection_and_paid_once():
    grant, who = shenyang_grant()
    assert [d["year"] for d in services.payable(grant)] == [2024]
    d = services.disbursement_approve(grant=grant, year=2024, actor=who["finance"], **PAY)
    assert d.amount == 30000
    with pytest.raises(services.AlreadyPaid) as exc:
        services.disbursement_approve(grant=grant, year=2024, actor=who["finance"], **PAY)
    assert "已拨付" in exc.value.messages[0] and "不会重复支付" in exc.value.messages[0]
    assert Disbursement.objects.filter(grant=grant).count() == 1


def test_year_not_yet_due_is_refused():
    grant, who = shenyang_grant()
    with pytest.raises(ValidationError, match="没有应拨付"):
        services.disbursement_approve(grant=grant, year=2025, actor=who["finance"], **PAY)


def test_payment_notice_sent_once_even_when_redelivered():
    grant, who = shenyang_grant()
    with_notice = services.disbursement_approve(grant=grant, year=2024, actor=who["finance"], **PAY)
    before = Notification.objects.count()
    # on_commit does not fire inside the test transaction: deliver the task by hand, twice.
    assert send_payment_notice.apply(args=[with_notice.pk]).get() is True
    after_first = Notification.objects.count()
    assert send_payment_notice.apply(args=[with_notice.pk]).get() is False
    assert Notification.objects.count() == after_first > before
    assert TaskReceipt.objects.filter(key=f"payment_notice:{with_notice.pk}").count() == 1


def test_shenyang_no_repeat_key_support():
    grant, who = shenyang_grant()
    with pytest.raises(ValidationError) as exc:
        services.grant_create(
            station=grant.station, program="key_support", start_year=2027, actor=who["admin"]
        )
    assert "沈阳 三(二)" in str(exc.value)


def test_yiyang_expert_workstation_host_only_national():
    station = make_station("yiyang", level="city", program="station")
    station.host_unit.has_expert_workstation = True
    station.host_unit.save()
    who = people(station)
    with pytest.raises(ValidationError) as exc:
        services.grant_create(
            station=station, program="station", start_year=2024, actor=who["admin"]
        )
    assert "益阳 第七条(七)" in str(exc.value)


def test_hangzhou_no_double_funding_for_overlapping_activities():
    station = make_station("hangzhou", level="city", program="station")
    who = people(station)
    services.grant_create(
        station=station,
        program="station",
        start_year=2024,
        amount=25000,
        activity_scope="智能制造技术服务",
        actor=who["admin"],
    )
    other = StationFactory(
        city=station.city, society=station.society, status=StationStatus.CERTIFIED, level="city"
    )
    with pytest.raises(ValidationError) as exc:
        services.grant_create(
            station=other,
            program="station",
            start_year=2025,
            amount=25000,
            activity_scope="智能制造技术服务",
            actor=who["admin"],
        )
    assert "杭州 六(二)" in str(exc.value)
    # A different activity of the same society is funded.
    services.grant_create(
        station=other,
        program="research_key",
        start_year=2025,
        activity_scope="新材料课题",
        actor=who["admin"],
    )


def test_hangzhou_amount_outside_range_is_an_error():
    station = make_station("hangzhou", level="city", program="station")
    who = people(station)
    with pytest.raises(ValidationError, match="范围"):
        services.grant_create(
            station=station, program="station", start_year=2024, amount=35000, actor=who["admin"]
        )


def test_uncertified_station_gets_no_grant():
    station = make_station("guiyang", level="city", program="station", status=StationStatus.APPLIED)
    who = people(station)
    with pytest.raises(ValidationError, match="已认定"):
        services.grant_create(
            station=station, program="station", start_year=2024, actor=who["admin"]
        )


def test_forbidden_expense_refused_with_its_clause():
    station = make_station("guiyang", level="city", program="station")
    who = people(station)
    grant = services.grant_create(
        station=station, program="station", start_year=2024, actor=who["admin"]
    )
    with pytest.raises(ValidationError) as exc:
        services.expense_record(
            grant=grant,
            spent_on=dt.date(2024, 6, 1),
            category="fines",
            description="交通罚款",
            amount=Decimal("200.00"),
            actor=who["society"],
        )
    assert "贵阳 四(四)4" in str(exc.value) and "罚款" in str(exc.value)
    with pytest.raises(ValidationError, match="贵阳 四\\(四\\)4"):
        services.budget_line_add(
            grant=grant,
            category="welfare",
            content="节日福利",
            amount=Decimal("1000"),
            actor=who["society"],
        )
    ok = services.expense_record(
        grant=grant,
        spent_on=dt.date(2024, 6, 1),
        category="expert_travel",
        description="专家差旅",
        amount=Decimal("1234.50"),
        actor=who["society"],
    )
    assert ok.warning == ""


def test_unlisted_expense_is_recorded_with_a_warning_budget_refuses_it():
    grant, who = shenyang_grant()
    expense = services.expense_record(
        grant=grant,
        spent_on=dt.date(2024, 6, 1),
        category="equipment",
        description="购置电脑",
        amount=Decimal("5000"),
        actor=who["host"],
    )
    assert "沈阳 三(四)" in expense.warning
    with pytest.raises(ValidationError, match="沈阳 三\\(四\\)"):
        services.budget_line_add(
            grant=grant,
            category="equipment",
            content="电脑",
            amount=Decimal("5000"),
            actor=who["host"],
        )


def test_misuse_recovery_and_repayments_keep_net_equal_paid_minus_recovered():
    station = make_station("guiyang", level="national", program="station")
    who = people(station)
    grant = services.grant_create(
        station=station, program="station", start_year=2024, actor=who["admin"]
    )
    pay_dues(grant, who["finance"])
    with pytest.raises(ValidationError):
        services.recovery_record(grant=grant, amount=200000, reason="超额", actor=who["finance"])
    rec = services.recovery_record(
        grant=grant, amount=20000, reason="用于福利发放", actor=who["finance"]
    )
    assert rec.clause == "贵阳 四(四)" and rec.status == Recovery.Status.DEMANDED
    services.repayment_record(
        recovery=rec,
        amount=5000,
        received_on=dt.date(2025, 3, 1),
        voucher_no="R1",
        actor=who["finance"],
    )
    rec.refresh_from_db()
    assert rec.status == Recovery.Status.PARTLY_REPAID
    services.repayment_record(
        recovery=rec,
        amount=15000,
        received_on=dt.date(2025, 4, 1),
        voucher_no="R2",
        actor=who["finance"],
    )
    rec.refresh_from_db()
    assert rec.status == Recovery.Status.REPAID
    assert services.net_paid(grant) == 100000 - 20000
    from funding.selectors import station_ledger

    ledger = station_ledger(station)
    assert (ledger.paid, ledger.recovered, ledger.net, ledger.outstanding) == (
        100000,
        20000,
        80000,
        0,
    )


def test_shenyang_has_no_recovery_clause():
    grant, who = shenyang_grant()
    pay_dues(grant, who["finance"])
    with pytest.raises(ValidationError, match="未规定追回"):
        services.recovery_record(grant=grant, amount=1000, reason="x", actor=who["finance"])


def test_hangzhou_five_year_ban_revokes_refunds_and_blocks_new_grants():
    station = make_station("hangzhou", level="city", program="station")
    who = people(station)
    grant = services.grant_create(
        station=station, program="station", start_year=2024, amount=20000, actor=who["admin"]
    )
    pay_dues(grant, who["finance"])
    services.grant_penalize(grant=grant, measure="ban", reason="违规使用资金", actor=who["admin"])
    grant.refresh_from_db()
    station.refresh_from_db()
    assert grant.status == "revoked" and station.status == StationStatus.REVOKED
    assert grant.banned_until.year - dt.date.today().year == 5
    assert (
        grant.recoveries.get().amount == 20000
        and grant.recoveries.get().clause == "杭州 附件第十三条"
    )
    assert services.payable(grant) == []
    other = StationFactory(
        city=station.city, society=station.society, status=StationStatus.CERTIFIED, level="city"
    )
    with pytest.raises(ValidationError, match="杭州 附件第十三条"):
        services.grant_create(
            station=other, program="research_general", start_year=2025, actor=who["admin"]
        )
