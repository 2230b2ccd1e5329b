"""Imports check the whole file in memory before writing, then write in bulk: a bad file
writes nothing at all (not even rows rolled back later), and the number of queries does not
grow with the number of rows."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent
from accounts.roles import Role
from evaluations.models import EvaluationRound, StationEvaluation
from funding.models import Disbursement
from reports.imports import import_run
from stations.models import HostUnit, Society, Station
from tests.factories import UserFactory
from tests.reports.test_imports import host_row, payment_row, society_row, station_row, xlsx

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith(WRITES)]


def grows(small, large, extra_rows: int) -> bool:
    """Whether `large` (queries of a file with `extra_rows` more rows) stays near `small`:
    the same reads and at most one more INSERT per 20 rows (SQLite takes 999 parameters a
    statement, so bulk_create splits a batch of 25 columns; PostgreSQL writes it in one)."""

    def inserts(q):
        return sum(1 for x in q.captured_queries if x["sql"].startswith("INSERT"))

    other = len(large.captured_queries) - inserts(large)
    assert other <= len(small.captured_queries) - inserts(small) + 1, (small, large)
    assert inserts(large) <= inserts(small) + extra_rows // 20, (inserts(small), inserts(large))
    return True


def counted(kind, content, user, **kw):
    with CaptureQueriesContext(connection) as queries:
        report = import_run(kind=kind, user=user, content=content, **kw)
    return report, queries


@pytest.fixture
def admin(shenyang):
    return UserFactory(role=Role.CITY_ADMIN, city=shenyang)


@pytest.fixture
def parents(admin):
    """100 societies and 100 host units for stations to name."""
    for kind, make in (("societies", society_row), ("host_units", host_row)):
        content = xlsx(kind, [make(i) for i in range(100)])
        assert import_run(kind=kind, user=admin, content=content, dry_run=False).written


def test_a_bad_row_at_the_end_is_refused_before_anything_is_written(admin, parents):
    rows = [station_row(i) for i in range(99)] + [station_row(99, society="不存在的学会")]
    report, queries = counted("stations", xlsx("stations", rows), admin, dry_run=False)
    assert not report.written and [p.row for p in report.problems] == [101]
    assert "找不到对应的学会" in report.problems[0].message
    assert writes(queries) == []  # not written and rolled back: never written
    assert not Station.objects.exists()


def test_all_problems_of_a_file_are_reported_with_their_rows(admin, parents):
    """A bad cell, an unknown society, a bad credit code: one report lists them all."""
    rows = [station_row(i) for i in range(10)]
    rows[2]["society"] = "不存在的学会"
    rows[5]["host_unit_credit_code"] = "91210100000000000B"
    rows[8]["status"] = "不是状态"
    report, queries = counted("stations", xlsx("stations", rows), admin, dry_run=False)
    assert writes(queries) == [] and not Station.objects.exists()
    assert sorted((p.row, p.column) for p in report.problems) == [
        (4, ""),
        (7, ""),
        (10, "status"),
    ]
    assert {p.row: p.message for p in report.problems}[4].startswith("找不到对应的学会")
    assert "建站单位" in {p.row: p.message for p in report.problems}[7]


def test_a_unique_key_taken_in_the_database_is_found_without_a_query_per_row(
    guiyang_money, unpaid_grant
):
    """A voucher (凭证号) pays a grant once: another year with the same voucher is refused."""
    admin = guiyang_money["admin"]
    first = xlsx("payments", [payment_row(unpaid_grant, amount=10000)])
    assert import_run(kind="payments", user=admin, content=first, dry_run=False).written
    again = xlsx("payments", [payment_row(unpaid_grant, year=2020, amount=10000)])
    report, queries = counted("payments", again, admin, dry_run=False)
    assert not report.written and writes(queries) == []
    assert report.problems[0].row == 2 and "凭证号" in report.problems[0].message
    twice = xlsx(
        "payments",
        [
            payment_row(unpaid_grant, year=2020, amount=1000, voucher_no="记-9"),
            payment_row(unpaid_grant, year=2021, amount=1000, voucher_no="记-9"),
        ],
    )
    report = import_run(kind="payments", user=admin, content=twice, dry_run=True)
    assert [p.row for p in report.problems] == [3] and "凭证号" in report.problems[0].message


def test_the_write_keeps_history_audit_and_progress(admin, parents, monkeypatch):
    monkeypatch.setattr("reports.imports.PROGRESS_EVERY", 5)
    depth = len(connection.atomic_blocks)  # the test's own transaction
    seen = []

    def progress(done, total):
        seen.append((done, total, len(connection.atomic_blocks) - depth))

    content = xlsx("stations", [station_row(i) for i in range(30)])
    report = import_run(
        kind="stations", user=admin, content=content, dry_run=False, progress=progress
    )
    assert report.written and report.new == 30
    # Checking is half of the way, writing the other half; the check runs in no transaction,
    # so a job's page sees it advance (the write is one transaction: seen when it commits).
    assert seen[0] == (0, 30, 0) and seen[-1] == (30, 30, 1)
    assert [d for d, _t, _a in seen] == sorted(d for d, _t, _a in seen)
    assert {(d, a) for d, _t, a in seen if d < 15} == {
        (0, 0),
        (2, 0),
        (5, 0),
        (7, 0),
        (10, 0),
        (12, 0),
    }
    station = Station.objects.get(name="导入服务站7")
    record = station.history.get()
    assert record.history_type == "+" and record.history_user == admin
    assert record.society_id == station.society_id
    assert AuditEvent.objects.filter(event="station.imported").count() == 1
    # A changed row is updated in bulk, with a "~" history row and a new updated_at.
    before = station.updated_at
    with time_machine.travel(before + dt.timedelta(hours=1)):
        changed = xlsx("stations", [station_row(7, status="certified")])
        report = import_run(kind="stations", user=admin, content=changed, dry_run=False)
    assert report.written and (report.new, report.updated) == (0, 1)
    station.refresh_from_db()
    assert station.status == "certified" and station.updated_at > before
    assert list(station.history.values_list("history_type", flat=True)) == ["~", "+"]


def _station_queries(admin, n, start):
    rows = [station_row(i) for i in range(start, start + n)]
    report, queries = counted("stations", xlsx("stations", rows), admin, dry_run=False)
    assert report.written and report.new == n, report.problems
    return queries


def test_queries_do_not_grow_with_the_rows_for_directory_imports(admin, parents):
    small = _station_queries(admin, 10, 0)
    large = _station_queries(admin, 90, 10)
    assert grows(small, large, 80)
    assert Station.history.count() == 100
    for kind, make in (("host_units", host_row), ("societies", society_row)):
        counts = []
        for start, n in ((200, 10), (300, 90)):
            content = xlsx(kind, [make(i) for i in range(start, start + n)])
            report, queries = counted(kind, content, admin, dry_run=False)
            assert report.written, report.problems
            counts.append(queries)
        assert grows(*counts, 80), kind
    assert Society.objects.filter(name__startswith="导入学会").count() == 200
    assert HostUnit.history.filter(history_type="+").count() == 200


@pytest.fixture
def unpaid_grant(guiyang_money):
    from funding import services as fund_services
    from stations.choices import Level, StationStatus
    from tests.factories import SocietyFactory, StationFactory

    c = guiyang_money["city"]
    society = SocietyFactory(city=c, level=Level.PROVINCIAL, name="贵阳批量学会")
    station = StationFactory(
        city=c,
        society=society,
        level=Level.PROVINCIAL,
        program="station",
        status=StationStatus.CERTIFIED,
        name="贵阳批量工作站",
    )
    return fund_services.grant_create(
        station=station, program="station", start_year=2019, actor=guiyang_money["admin"]
    )


def test_queries_do_not_grow_with_the_rows_for_evaluations_and_payments(
    guiyang_money, unpaid_grant
):
    admin = guiyang_money["admin"]
    grant = unpaid_grant
    evaluation = {
        "city": "guiyang",
        "station": grant.station.name,
        "program": grant.program,
        "start_year": grant.start_year,
        "final_score": 88,
        "grade": "合格",
    }
    counts = []
    for years in (range(1900, 1910), range(1910, 2000)):
        content = xlsx("evaluations", [{**evaluation, "year": y} for y in years])
        report, queries = counted("evaluations", content, admin, dry_run=False)
        assert report.written and report.new == len(years), report.problems
        counts.append(queries)
    assert grows(*counts, 80)
    assert StationEvaluation.objects.filter(grant=grant, status="confirmed").count() == 100
    assert EvaluationRound.objects.filter(year__lt=2000, status="closed").count() == 100
    counts = []
    for years in (range(1900, 1910), range(1910, 2000)):
        rows = [payment_row(grant, year=y, amount=100, voucher_no=f"记-{y}") for y in years]
        report, queries = counted("payments", xlsx("payments", rows), admin, dry_run=False)
        assert report.written and report.new == len(years), report.problems
        counts.append(queries)
    assert grows(*counts, 80)
    assert Disbursement.objects.filter(grant=grant).count() == 100


def test_a_row_saved_by_someone_else_meanwhile_refuses_the_whole_write(admin, parents, monkeypatch):
    """The check saw no station “导入服务站5”; one is saved before the write: nothing is kept."""
    from reports.import_resources import StationImport
    from tests.factories import StationFactory

    def meanwhile(self, *, user):
        StationFactory(city=admin.city, name="导入服务站5")

    monkeypatch.setattr(StationImport, "before_write", meanwhile)
    content = xlsx("stations", [station_row(i) for i in range(10)])
    report = import_run(kind="stations", user=admin, content=content, dry_run=False)
    assert not report.written and report.problems[0].row == 0
    assert "未写入任何数据" in report.problems[0].message
    assert not Station.objects.filter(name__startswith="导入服务站").exists()
    assert not Station.history.filter(name__startswith="导入服务站").exists()


def test_a_changed_bank_account_is_updated_in_bulk_and_stays_encrypted(admin):
    assert import_run(
        kind="host_units", user=admin, content=xlsx("host_units", [host_row(1)]), dry_run=False
    ).written
    changed = xlsx("host_units", [host_row(1, bank_account_no="6222020200001234567")])
    report = import_run(kind="host_units", user=admin, content=changed, dry_run=False)
    assert report.written and (report.new, report.updated) == (0, 1)
    unit = HostUnit.objects.get(name="导入单位1")
    assert unit.bank_account_no == "6222020200001234567"
    with connection.cursor() as cursor:
        cursor.execute("SELECT bank_account_no FROM stations_hostunit WHERE id = %s", [unit.pk])
        stored = cursor.fetchone()[0]
    assert stored and "6222020200001234567" not in stored
    latest = unit.history.first()
    assert latest.history_type == "~" and latest.bank_account_no == "6222020200001234567"
    assert latest.history_user == admin


def test_imported_payments_add_to_the_grants_paid_total(guiyang_money, unpaid_grant):
    """A past payment is money paid: the grant's running sum (the recovery cap reads it)
    grows by exactly the imported amounts, once; a repeated file adds nothing."""
    admin = guiyang_money["admin"]
    rows = [
        payment_row(unpaid_grant, year=2020, amount=10000, voucher_no="记-20"),
        payment_row(unpaid_grant, year=2021, amount=2500, voucher_no="记-21"),
    ]
    assert import_run(
        kind="payments", user=admin, content=xlsx("payments", rows), dry_run=False
    ).written
    unpaid_grant.refresh_from_db()
    assert unpaid_grant.disbursed_total == 12500
    again = import_run(kind="payments", user=admin, content=xlsx("payments", rows), dry_run=False)
    assert not again.problems
    unpaid_grant.refresh_from_db()
    assert unpaid_grant.disbursed_total == 12500
    assert (
        sum(Disbursement.objects.filter(grant=unpaid_grant).values_list("amount", flat=True))
        == 12500
    )
