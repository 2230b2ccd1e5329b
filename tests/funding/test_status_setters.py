"""Grant and Recovery statuses move only through their setters, over the declared tables.

Every ordered pair of statuses is tried: a move in the table succeeds and writes an audit
row (who, why, clause); any other move is refused with a Chinese message and changes
nothing; the same status again is no move.
"""

import itertools
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent
from funding import services
from funding.models import Grant, Recovery
from tests.funding.cycle import make_station, people

pytestmark = pytest.mark.django_db

G = Grant.Status
R = Recovery.Status
GRANT_PAIRS = [(a, b) for a, b in itertools.product(G.values, G.values) if a != b]
RECOVERY_PAIRS = [(a, b) for a, b in itertools.product(R.values, R.values) if a != b]


@pytest.fixture
def grant():
    station = make_station("shenyang", level="provincial", program="key_support")
    who = people(station)
    grant = services.grant_create(
        station=station, program="key_support", start_year=2026, actor=who["admin"]
    )
    grant.who = who
    return grant


def test_the_tables_name_every_status():
    assert set(Grant.TRANSITIONS) == set(G.values)
    assert set(Recovery.TRANSITIONS) == set(R.values)


@pytest.mark.parametrize(("from_status", "to_status"), GRANT_PAIRS)
def test_grant_moves(grant, from_status, to_status):
    Grant.objects.filter(pk=grant.pk).update(status=from_status)
    grant.refresh_from_db()
    admin = grant.who["admin"]
    before = AuditEvent.objects.filter(event="funding.grant_status_changed").count()
    if to_status in Grant.TRANSITIONS[from_status]:
        assert services.grant_set_status(
            grant=grant, to_status=to_status, actor=admin, reason="测试原因", clause="沈阳 三(二)"
        )
        grant.refresh_from_db()
        assert grant.status == to_status
        row = AuditEvent.objects.filter(event="funding.grant_status_changed").latest("id")
        assert row.user_id == admin.pk
        assert row.reason == "测试原因"
        assert row.clause == "沈阳 三(二)"
        assert row.detail == {"before": {"status": from_status}, "after": {"status": to_status}}
    else:
        with pytest.raises(services.IllegalGrantTransition) as exc:
            services.grant_set_status(
                grant=grant, to_status=to_status, actor=admin, reason="测试原因"
            )
        assert "资助状态不能从" in exc.value.messages[0]
        grant.refresh_from_db()
        assert grant.status == from_status
        assert AuditEvent.objects.filter(event="funding.grant_status_changed").count() == before


def test_grant_same_status_and_unknown_status(grant):
    admin = grant.who["admin"]
    assert not services.grant_set_status(
        grant=grant, to_status=grant.status, actor=admin, reason="x"
    )
    with pytest.raises(services.IllegalGrantTransition):
        services.grant_set_status(grant=grant, to_status="nonsense", actor=admin, reason="x")
    with pytest.raises(ValidationError):
        services.grant_set_status(grant=grant, to_status=G.SUSPENDED, actor=admin, reason=" ")


@pytest.mark.parametrize(("from_status", "to_status"), RECOVERY_PAIRS)
def test_recovery_moves(grant, from_status, to_status):
    admin = grant.who["admin"]
    recovery = Recovery.objects.create(
        grant=grant,
        year=2026,
        amount=100,
        source=Recovery.Source.MISUSE,
        reason="违规使用",
        clause="沈阳 三(二)",
        status=from_status,
        created_by=admin,
    )
    if to_status in Recovery.TRANSITIONS[from_status]:
        assert services.recovery_set_status(
            recovery=recovery, to_status=to_status, actor=admin, reason="退回款"
        )
        recovery.refresh_from_db()
        assert recovery.status == to_status
        row = AuditEvent.objects.filter(event="funding.recovery_status_changed").latest("id")
        assert (row.user_id, row.reason, row.clause) == (admin.pk, "退回款", "沈阳 三(二)")
    else:
        with pytest.raises(services.IllegalRecoveryTransition) as exc:
            services.recovery_set_status(
                recovery=recovery, to_status=to_status, actor=admin, reason="退回款"
            )
        assert "追回状态不能从" in exc.value.messages[0]
        recovery.refresh_from_db()
        assert recovery.status == from_status


def test_no_status_assignment_outside_the_setters():
    root = Path(__file__).resolve().parents[2]
    found = subprocess.run(
        ["git", "grep", "-n", r"\(grant\|recovery\)\.status = ", "--", "*.py", ":!tests"],
        cwd=root,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    allowed = ("grant.status = to_status", "recovery.status = to_status")
    assert [line for line in found if not line.rstrip().endswith(allowed)] == []
