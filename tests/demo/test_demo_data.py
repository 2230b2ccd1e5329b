"""The demo data set of `make run` (demo/loader.py + fixtures/demo/)."""

from datetime import date

import pytest
import time_machine
from django.apps import apps
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from demo.activity import activity_plan
from demo.common import LOGIN_ROLES
from demo.loader import CITY_CODES, DEMO_PASSWORD, demo_load
from stations.choices import ActivityKind, Level, StationStatus
from stations.models import ActivityRecord, CreditFlag, Expert, HostUnit, Society, Station
from stations.selectors import station_list
from stations.validators import is_valid_credit_code, validate_credit_code


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo once for the module (on the suite's fixed day) and roll it back afterwards."""
    from tests.conftest import FROZEN_NOW

    with (
        time_machine.travel(FROZEN_NOW, tick=True),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield demo_load()
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def _row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def test_loading_again_adds_no_rows_to_any_table(demo):
    before = _row_counts()

    again = demo_load()

    assert _row_counts() == before
    assert again.created == {}
    assert not any(login.created for login in again.logins)


def test_every_city_has_societies_host_units_experts_and_stations(demo):
    for code in CITY_CODES:
        assert 6 <= Society.objects.filter(city__code=code).count() <= 12, code
        assert HostUnit.objects.filter(city__code=code).exists(), code
        assert Expert.objects.filter(city__code=code).count() >= 15, code
        assert Station.objects.filter(city__code=code).count() >= 6, code


def test_every_host_unit_credit_code_passes_the_gb32100_checksum(demo):
    codes = list(HostUnit.objects.values_list("credit_code", flat=True))

    assert len(codes) >= 5 * 6
    for code in codes:
        validate_credit_code(code)
        assert is_valid_credit_code(code), code


def test_every_station_status_appears(demo):
    present = set(Station.objects.values_list("status", flat=True))

    assert present == set(StationStatus.values)


def test_each_station_status_is_the_end_of_its_history(demo):
    for station in Station.objects.prefetch_related("status_changes"):
        changes = list(station.status_changes.all())
        assert changes, station.name
        assert changes[-1].to_status == station.status, station.name
        assert changes[0].from_status == ""
        for earlier, later in zip(changes, changes[1:], strict=False):
            assert later.from_status == earlier.to_status, station.name
            assert later.changed_at > earlier.changed_at, station.name


def test_every_role_has_a_login_in_every_city(demo):
    for code in CITY_CODES:
        for suffix, role in LOGIN_ROLES:
            user = User.objects.get(username=f"{code}_{suffix}")
            assert user.role == role
            assert user.full_name
            assert user.check_password(DEMO_PASSWORD)
            assert user.is_staff == (role == Role.CITY_ADMIN)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.role == Role.SUPERUSER


def test_each_demo_user_is_scoped_inside_its_city_and_sees_stations(demo):
    for code in CITY_CODES:
        for suffix, role in LOGIN_ROLES:
            user = User.objects.get(username=f"{code}_{suffix}")
            assert user.city.code == code
            for scope in (user.district, user.society, user.host_unit, user.expert):
                assert scope is None or scope.city_id == user.city_id
            if role == Role.SOCIETY_STAFF:
                assert user.society.stations.exists()
            if role == Role.HOST_STAFF:
                assert user.host_unit.stations.exists()
            if role == Role.COUNTY_REVIEWER:
                assert user.district.stations.exists()
            if role == Role.EXPERT_REVIEWER:
                assert user.expert.is_reviewer
            visible = station_list(user)
            assert visible.exists(), user.username
            assert set(visible.values_list("city__code", flat=True)) == {code}


def test_a_changed_password_survives_reloading(demo):
    user = User.objects.get(username="guiyang_finance")
    user.set_password("Changed-by-user-2026")
    user.save()

    demo_load(cities=["guiyang"])

    user.refresh_from_db()
    assert user.check_password("Changed-by-user-2026")


def test_expert_teams_meet_yiyang_and_guiyang_minimums(demo):
    for station in Station.objects.filter(city__code="yiyang"):
        active = station.team.filter(left_on__isnull=True)
        assert active.count() >= 5, station.name  # 益阳 第七条(六)
    national = Station.objects.filter(
        city__code="guiyang", level=Level.NATIONAL, status=StationStatus.CERTIFIED
    )
    assert national.count() >= 2
    for station in national:
        provinces = [m.expert.province for m in station.team.select_related("expert")]
        assert len(provinces) >= 10, station.name  # 贵阳 三(三)
        assert sum(p != "贵州省" for p in provinces) >= 5, station.name


def test_guiyang_has_active_credit_flags(demo):
    flags = CreditFlag.objects.filter(host_unit__city__code="guiyang", lifted_on__isnull=True)

    assert {f.kind for f in flags} == {"dishonest", "organized_crime"}


def test_activity_covers_every_kind_over_2024_to_2026(demo):
    kinds = set(ActivityRecord.objects.values_list("kind", flat=True))
    years = {d.year for d in ActivityRecord.objects.dates("date", "year")}

    assert kinds == set(ActivityKind.values)
    assert years == {2024, 2025, 2026}
    trainings = ActivityRecord.objects.filter(kind=ActivityKind.TRAINING)
    assert not trainings.filter(trainees__isnull=True).exists()
    progress = ActivityRecord.objects.filter(kind=ActivityKind.AGREEMENT_PROGRESS)
    assert max(progress.values_list("quantity", flat=True)) <= 100


def test_activity_plan_is_the_same_for_the_same_seed():
    kwargs = {
        "seed": "x",
        "start": date(2024, 1, 1),
        "end": date(2026, 6, 30),
        "topics": ["工艺优化", "质量提升"],
        "term_start": date(2024, 1, 1),
        "term_end": date(2025, 12, 31),
    }

    first, second = activity_plan(**kwargs), activity_plan(**kwargs)

    assert first == second
    keys = [(a.kind, a.date, a.title) for a in first]
    assert len(keys) == len(set(keys))
    assert all(kwargs["start"] <= a.date <= kwargs["end"] for a in first)


def test_a_normal_station_meets_yiyang_onsite_minimum_and_a_weak_one_does_not():
    def days_per_quarter(performance: str) -> list[int]:
        plan = activity_plan(
            seed="q", start=date(2025, 1, 1), end=date(2025, 12, 31), performance=performance
        )
        totals = [0, 0, 0, 0]
        for a in plan:
            if a.kind == ActivityKind.EXPERT_ONSITE:
                totals[(a.date.month - 1) // 3] += a.quantity
        return totals

    assert min(days_per_quarter("normal")) >= 10  # 益阳 第十二条(二)
    assert max(days_per_quarter("weak")) < 10


def test_shenyang_station_names_follow_the_naming_rule(demo):
    shenyang_policy = pytest.importorskip("policies.cities.shenyang")
    stations = Station.objects.filter(city__code="shenyang").select_related(
        "society__parent", "district"
    )
    for station in stations:
        society = station.society
        parent = society.parent
        national_at_city_level = society.level == Level.NATIONAL and parent is None
        expected = shenyang_policy.station_name(
            society_name=society.name,
            society_level=society.level,
            branch_name=society.name.removeprefix(parent.name) if parent else "",
            parent_name=parent.name if parent else "",
            district="" if national_at_city_level else station.district.name,
        )
        assert station.name == expected


def test_platform_logins_keep_the_three_duties_apart(demo):
    from accounts.models import User
    from accounts.roles import Role

    roles = dict(
        User.objects.filter(username__in=["admin", "security", "auditor"]).values_list(
            "username", "role"
        )
    )
    assert roles == {
        "admin": Role.SUPERUSER,
        "security": Role.SECURITY_ADMIN,
        "auditor": Role.AUDIT_ADMIN,
    }
    assert not User.objects.get(username="auditor").is_staff


# --- workflow objects (demo/workflows.py) ----------------------------------------------


def test_every_city_has_an_open_call_and_an_application_waiting_in_a_review_inbox(demo):
    from applications.models import Call
    from applications.selectors import reviewer_inbox

    today = timezone.localdate()
    for code in CITY_CODES:
        calls = Call.objects.filter(city__code=code, opens_on__lte=today, closes_on__gte=today)
        assert calls.exists(), code
        waiting = [
            app
            for suffix in ("admin", "county", "talent")
            for app in reviewer_inbox(User.objects.get(username=f"{code}_{suffix}"))
        ]
        assert waiting, code


def test_applications_show_a_draft_a_returned_one_and_a_yiyang_certification(demo):
    from applications.models import Application, ApplicationTransition, Certification

    for code in CITY_CODES:
        apps = Application.objects.filter(city__code=code)
        assert apps.filter(stage="draft", submitted_at__isnull=True).exists(), code
    returned = ApplicationTransition.objects.filter(action="return").exclude(comment="")
    assert {t.application.city.code for t in returned} >= set(CITY_CODES) - {"lianyungang"}
    cert = Certification.objects.get(application__city__code="yiyang")
    assert cert.application.notices.get().workdays == 5  # 益阳 第八条(三)
    assert cert.station.status == StationStatus.CERTIFIED
    assert cert.station.team.filter(left_on__isnull=True).count() >= 5


def test_every_city_has_a_grant_paid_by_its_finance_login_and_a_2025_round(demo):
    from evaluations.models import EvaluationRound, StationEvaluation
    from funding.models import Disbursement, Recovery

    for code in CITY_CODES:
        paid = Disbursement.objects.filter(grant__station__city__code=code)
        assert paid.exists(), code
        assert set(paid.values_list("approved_by__username", flat=True)) == {f"{code}_finance"}
        assert all(d.voucher_no.startswith(f"记-{d.year}-") for d in paid)
        assert EvaluationRound.objects.filter(city__code=code, year=2025).exists(), code
    evaluations = StationEvaluation.objects.filter(year=2025)
    confirmed = {e.station.city.code for e in evaluations.filter(status="confirmed")}
    assert confirmed == set(CITY_CODES) - {"lianyungang"}  # one-off awards: no evaluation
    assert evaluations.filter(status="submitted").exists()
    assert Recovery.objects.filter(grant__station__city__code="guiyang").exists()


def test_every_city_has_an_enterprise_with_two_demands_one_assigned(demo):
    from network.models import Enterprise

    for code in CITY_CODES:
        enterprise = Enterprise.objects.get(user__username=f"{code}_enterprise")
        assert enterprise.city.code == code
        assert is_valid_credit_code(enterprise.credit_code)
        assert enterprise.user.check_password(DEMO_PASSWORD)
        demands = enterprise.demands.all()
        assert demands.count() == 2
        (accepted,) = demands.filter(status="accepted")
        assert accepted.station.city.code == code
    logins = [login.username for login in demo.logins]
    assert logins.index("shenyang_enterprise") == logins.index("shenyang_finance") + 1


def test_the_demo_admin_of_each_city_sees_only_its_own_applications(demo):
    from accounts.scoping import scope_queryset
    from applications.models import Application
    from applications.selectors import reviewer_inbox

    for code in CITY_CODES:
        admin = User.objects.get(username=f"{code}_admin")
        visible = scope_queryset(admin, Application.objects.all())
        assert visible.exists(), code
        assert set(visible.values_list("city__code", flat=True)) == {code}
        assert set(reviewer_inbox(admin).values_list("city__code", flat=True)) <= {code}
