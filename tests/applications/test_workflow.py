"""The one transition service: guards, roles, history, quota, notice, certification."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import AuditEvent, Notification
from applications import services
from applications.forms import rmb_uppercase
from applications.models import ApplicationTransition, Certification, QuotaOverride
from applications.services import StaleVersion, TransitionError
from stations.choices import StationStatus
from tests.applications.conftest import on_day

pytestmark = pytest.mark.django_db


def test_submit_is_blocked_by_a_missing_required_material_with_its_clause(world):
    app = world.draft(with_proof=False)
    with pytest.raises(TransitionError) as err:
        world.act(app, "submit", world.staff)
    message = " ".join(err.value.messages)
    assert "承接职能证明" in message
    assert "连云港 四(四)" in message  # the policy's own finding cites its clause
    app.refresh_from_db()
    assert app.stage == "draft"
    assert any(f["clause"].startswith("连云港 四(四)") for f in app.findings)


def test_submit_is_blocked_while_the_form_is_incomplete(world):
    app = world.draft(entrusting_body="")
    with pytest.raises(TransitionError, match="申报书未填写完整"):
        world.act(app, "submit", world.staff)


def test_main_path_to_award_records_every_transition_with_policy_version(world):
    app = world.submitted(station=world.station)
    assert app.stage == "intake"
    assert app.station.status == StationStatus.APPLIED
    world.to_notice(app)
    assert app.stage == "public_notice"
    with on_day(dt.date(2025, 11, 24)):
        notice = services.notice_publish(
            city=world.city,
            applications=[app],
            actor=world.admin,
            title="公示",
            start_on=dt.date(2025, 11, 24),
        )
    assert notice.end_on == dt.date(2025, 11, 28)
    world.act(app, "approve", today=dt.date(2025, 11, 29))
    assert app.stage == "awarded" and app.outcome == "certified"
    cert = Certification.objects.get(application=app)
    assert re.fullmatch(r"连科协〔\d{4}〕\d+号", cert.certificate_no)
    app.station.refresh_from_db()
    assert app.station.status == StationStatus.CERTIFIED
    assert app.station.certificate_no == cert.certificate_no
    moves = list(app.transitions.values_list("from_stage", "to_stage"))
    assert moves == [
        ("draft", "intake"),
        ("intake", "expert_review"),
        ("expert_review", "leading_group"),
        ("leading_group", "public_notice"),
        ("public_notice", "awarded"),
    ]
    assert all(t.policy_version for t in app.transitions.all())
    assert (
        AuditEvent.objects.filter(event="application.approve", object_id=str(app.pk)).count() == 4
    )


def test_next_actors_are_notified(world):
    app = world.submitted()
    assert Notification.objects.filter(recipient=world.admin, link__contains=f"/{app.pk}/").exists()


def test_return_and_resubmit_keeps_the_history(world):
    app = world.submitted()
    with pytest.raises(TransitionError, match="须填写意见"):
        world.act(app, "return")
    world.act(app, "return", comment="请补充承接成效的数据。")
    assert app.stage == "draft"
    assert Notification.objects.filter(recipient=world.staff, title__contains="退回").exists()
    services.application_save_draft(
        application=app, actor=world.staff, data=world.form_data(outcomes="完成评价项目15项。")
    )
    world.act(app, "submit", world.staff)
    assert app.stage == "intake"
    assert list(app.transitions.values_list("action", flat=True)) == ["submit", "return", "submit"]
    assert app.transitions.get(action="return").comment == "请补充承接成效的数据。"


def test_expert_stage_needs_every_assigned_score(world):
    app = world.submitted()
    world.act(app, "approve")
    with pytest.raises(TransitionError, match="尚未指派"):
        world.act(app, "approve")
    services.assignment_create(application=app, expert=world.experts[0], actor=world.admin)
    with pytest.raises(TransitionError, match="未提交评分"):
        world.act(app, "approve")


def test_an_expert_cannot_move_the_panel_stage_alone(world):
    app = world.submitted()
    world.act(app, "approve")
    world.score_all(app)
    with pytest.raises(PermissionDenied):
        world.act(app, "approve", world.expert_users[0])


def test_quota_full_needs_a_recorded_override_reason(world):
    first = world.submitted()
    world.to_notice(first)
    second = world.submitted()
    world.act(second, "approve")
    world.score_all(second)
    world.act(second, "approve")
    assert second.stage == "leading_group"
    with pytest.raises(TransitionError, match="名额已满"):
        world.act(second, "approve")
    world.act(second, "approve", override_reason="两项成效相当，经主席会研究同意增列。")
    assert second.stage == "public_notice"
    override = QuotaOverride.objects.get(application=second)
    assert (override.quota, override.approved_count) == (1, 1)


def test_notice_must_close_without_an_upheld_objection(world):
    app = world.submitted()
    world.to_notice(app)
    with pytest.raises(TransitionError, match="尚未发布公示"):
        world.act(app, "approve")
    with on_day(dt.date(2025, 11, 24)):
        notice = services.notice_publish(
            city=world.city,
            applications=[app],
            actor=world.admin,
            title="公示",
            start_on=dt.date(2025, 11, 24),
        )
    with pytest.raises(TransitionError, match="期满后"):
        world.act(app, "approve", today=dt.date(2025, 11, 28))
    objection = services.objection_record(
        notice=notice,
        application=app,
        actor=world.admin,
        received_on=dt.date(2025, 11, 25),
        content="成效数据不实",
    )
    with pytest.raises(TransitionError, match="尚未处理"):
        world.act(app, "approve", today=dt.date(2025, 12, 1))
    services.objection_decide(
        objection=objection, actor=world.admin, upheld=True, resolution="核实属实"
    )
    with pytest.raises(TransitionError, match="异议成立"):
        world.act(app, "approve", today=dt.date(2025, 12, 1))
    world.act(app, "reject", comment="公示异议成立", today=dt.date(2025, 12, 1))
    assert app.outcome == "rejected"


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (dt.date(2025, 11, 22), dt.date(2025, 11, 28)),  # Saturday: counting starts Monday
        (dt.date(2025, 11, 24), dt.date(2025, 11, 28)),  # Monday counts as day 1
        (dt.date(2025, 9, 30), dt.date(2025, 10, 13)),  # National Day; Sat 10-11 is a workday
    ],
)
def test_notice_end_date_counts_statutory_working_days(world, start, end):
    app = world.submitted()
    world.to_notice(app)
    with on_day(start):
        notice = services.notice_publish(
            city=world.city, applications=[app], actor=world.admin, title="公示", start_on=start
        )
    assert (notice.workdays, notice.end_on) == (5, end)


def test_withdrawal_stays_in_the_record_and_restores_the_station(world):
    app = world.submitted(station=world.station)
    world.act(app, "withdraw", world.staff)
    assert app.withdrawn and app.stage == "withdrawn"
    world.station.refresh_from_db()
    assert world.station.status == StationStatus.FILED
    assert app.transitions.last().action == "withdraw"
    with pytest.raises(PermissionDenied):
        world.act(app, "approve")


def test_a_stale_version_is_refused_and_makes_no_second_transition(world):
    app = world.submitted()
    version = app.version
    world.act(app, "approve", expected_version=version)
    with pytest.raises(StaleVersion):
        world.act(app, "approve", expected_version=version)
    assert ApplicationTransition.objects.filter(application=app, action="approve").count() == 1


def test_rmb_uppercase_for_the_budget_total():
    assert rmb_uppercase(Decimal("100000")) == "壹拾万元整"
    assert rmb_uppercase(Decimal("50000.50")).startswith("伍万元")
