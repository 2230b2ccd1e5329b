"""Legacy imports: preview, all-or-nothing with a Chinese row report, idempotent re-import."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.roles import Role
from evaluations.models import StationEvaluation
from funding.models import Disbursement
from reports.imports import IMPORTS, header_labels, import_run
from stations.models import HostUnit, Society, Station
from tests.factories import UserFactory, city, make_credit_code

pytestmark = pytest.mark.django_db


def xlsx(kind: str, rows: list[dict], *, chinese=True) -> bytes:
    pairs = header_labels(IMPORTS[kind])
    columns = [c for c, _l in pairs if any(c in r for r in rows)]
    labels = dict(pairs)
    wb = Workbook()
    ws = wb.active
    ws.append([labels[c] if chinese else c for c in columns])
    for row in rows:
        ws.append([row.get(c) for c in columns])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def society_row(n, **kw):
    return {
        "city": "shenyang",
        "name": f"导入学会{n}",
        "level": "city",
        "discipline": f"专业{n}",
        "supervising_cast": "city_cast",
        **kw,
    }


def host_row(n, **kw):
    return {
        "city": "shenyang",
        "name": f"导入单位{n}",
        "nature": "enterprise",
        "credit_code": make_credit_code(900000 + n),
        "legal_rep": "张三",
        "registered_city": "沈阳市",
        **kw,
    }


def station_row(n, **kw):
    return {
        "city": "shenyang",
        "name": f"导入服务站{n}",
        "society": f"导入学会{n}",
        "host_unit_credit_code": make_credit_code(900000 + n),
        "level": "city",
        "program": "filing",
        "status": "filed",
        **kw,
    }


@pytest.fixture
def admin(shenyang):
    return UserFactory(role=Role.CITY_ADMIN, city=shenyang)


def test_every_template_downloads_with_chinese_headers_and_an_example(admin, client):
    client.force_login(admin)
    for kind, spec in IMPORTS.items():
        response = client.get(reverse("reports:import_template", args=[kind]))
        assert response.status_code == 200, kind
        wb = load_workbook(io.BytesIO(response.content))
        ws = wb.worksheets[0]
        headers = [c.value for c in ws[1]]
        assert headers == [label for _c, label in header_labels(spec)], kind
        assert "城市代码" in headers
        assert any(c.value is not None for c in ws[2]), kind
        assert wb.worksheets[1].title == "填写说明"


def test_good_files_import_after_a_preview_that_writes_nothing_and_reimport_adds_nothing(admin):
    files = [
        ("societies", xlsx("societies", [society_row(1), society_row(2)]), Society),
        ("host_units", xlsx("host_units", [host_row(1), host_row(2)]), HostUnit),
        ("stations", xlsx("stations", [station_row(1), station_row(2)]), Station),
    ]
    for kind, content, model in files:
        before = model.objects.count()
        preview = import_run(kind=kind, user=admin, content=content, dry_run=True)
        assert preview.ok, preview.problems
        assert preview.new == 2 and model.objects.count() == before  # nothing written
        done = import_run(kind=kind, user=admin, content=content, dry_run=False)
        assert done.written and model.objects.count() == before + 2
    for kind, content, model in files:
        count = model.objects.count()
        again = import_run(kind=kind, user=admin, content=content, dry_run=False)
        assert again.ok and again.new == 0 and again.skipped == 2
        assert model.objects.count() == count
    station = Station.objects.get(name="导入服务站1")
    assert station.society.name == "导入学会1" and station.host_unit.name == "导入单位1"


def test_one_bad_credit_code_rejects_the_whole_file(admin):
    bad = host_row(3, credit_code="91210100000000000B")
    content = xlsx("host_units", [host_row(1), bad, host_row(2)])
    report = import_run(kind="host_units", user=admin, content=content, dry_run=False)
    assert not report.written
    assert HostUnit.objects.filter(name__startswith="导入单位").count() == 0
    assert [(p.row, p.column) for p in report.problems] == [(3, "credit_code")]
    assert "统一社会信用代码" in report.problems[0].message


def test_unknown_society_and_duplicate_station_are_reported_in_chinese(admin):
    import_run(
        kind="societies", user=admin, content=xlsx("societies", [society_row(1)]), dry_run=False
    )
    import_run(
        kind="host_units",
        user=admin,
        content=xlsx("host_units", [host_row(1), host_row(2)]),
        dry_run=False,
    )
    unknown = xlsx("stations", [station_row(1), station_row(2, society="不存在的学会")])
    report = import_run(kind="stations", user=admin, content=unknown, dry_run=False)
    assert not report.written and Station.objects.count() == 0
    assert report.problems[0].row == 3
    assert "找不到对应的学会" in report.problems[0].message
    twice = xlsx("stations", [station_row(1), station_row(1, status="certified")])
    report = import_run(kind="stations", user=admin, content=twice, dry_run=True)
    assert [p.row for p in report.problems] == [3]
    assert "与第 2 行重复" in report.problems[0].message
    # A new name for a station that already exists (same society, host unit, program).
    import_run(
        kind="stations", user=admin, content=xlsx("stations", [station_row(1)]), dry_run=False
    )
    renamed = xlsx("stations", [station_row(1, name="换了名字的服务站")])
    report = import_run(kind="stations", user=admin, content=renamed, dry_run=True)
    assert "重复的服务站" in report.problems[0].message


def test_another_citys_rows_are_refused_for_a_city_admin(admin):
    content = xlsx("societies", [society_row(1), society_row(2, city="hangzhou")])
    report = import_run(kind="societies", user=admin, content=content, dry_run=False)
    assert not report.written and Society.objects.filter(name__startswith="导入学会").count() == 0
    assert report.problems[0].row == 3 and "只能导入本市的数据" in report.problems[0].message


def test_english_headers_are_accepted_too(admin):
    content = xlsx("societies", [society_row(1)], chinese=False)
    assert import_run(kind="societies", user=admin, content=content, dry_run=False).written


def payment_row(grant, **kw):
    return {
        "city": grant.station.city.code,
        "station": grant.station.name,
        "program": grant.program,
        "start_year": grant.start_year,
        "year": 2019,
        "amount": 50000,
        "paid_on": "2019-06-30",
        "voucher_no": "记-2019-001",
        "payee_account_name": "某学会",
        "payee_bank": "中国银行",
        "payee_account_no": "6222020200001234567",
        **kw,
    }


@pytest.fixture
def unpaid_grant(guiyang_money, this_year):
    """A Guiyang provincial grant (one-off 50,000 yuan) with nothing paid yet."""
    from funding import services as fund_services
    from stations.choices import Level, StationStatus
    from tests.factories import SocietyFactory, StationFactory

    c = guiyang_money["city"]
    society = SocietyFactory(city=c, level=Level.PROVINCIAL, name="贵阳未拨付学会")
    station = StationFactory(
        city=c,
        society=society,
        level=Level.PROVINCIAL,
        program="station",
        status=StationStatus.CERTIFIED,
        name="贵阳未拨付工作站",
    )
    grant = fund_services.grant_create(
        station=station, program="station", start_year=2019, actor=guiyang_money["admin"]
    )
    assert grant.amount == 50000 and not grant.disbursements.exists()
    return grant


def test_payments_import_rejects_an_amount_that_is_not_a_number(guiyang_money, unpaid_grant):
    admin = guiyang_money["admin"]
    grant = unpaid_grant
    before = Disbursement.objects.count()
    bad = xlsx(
        "payments",
        [payment_row(grant, amount=20000), payment_row(grant, year=2020, amount="五万元")],
    )
    report = import_run(kind="payments", user=admin, content=bad, dry_run=False)
    assert not report.written and Disbursement.objects.count() == before
    assert (report.problems[0].row, report.problems[0].column) == (3, "amount")
    assert "不是有效数字" in report.problems[0].message
    good = xlsx(
        "payments",
        [
            payment_row(grant, amount=20000),
            payment_row(grant, year=2020, amount=30000, voucher_no="记-2020-7"),
        ],
    )
    assert import_run(kind="payments", user=admin, content=good, dry_run=False).written
    assert Disbursement.objects.count() == before + 2
    again = import_run(kind="payments", user=admin, content=good, dry_run=False)
    assert again.ok and Disbursement.objects.count() == before + 2
    changed = xlsx("payments", [payment_row(grant, amount=10000)])
    report = import_run(kind="payments", user=admin, content=changed, dry_run=True)
    assert "已有拨付记录" in report.problems[0].message
    unknown = xlsx("payments", [payment_row(grant, station="没有的站")])
    assert (
        "找不到资助项目"
        in import_run(kind="payments", user=admin, content=unknown, dry_run=True)
        .problems[0]
        .message
    )


def test_past_evaluations_import(guiyang_money):
    admin = guiyang_money["admin"]
    grant = guiyang_money["grants"][1]
    row = {
        "city": "guiyang",
        "station": grant.station.name,
        "program": grant.program,
        "start_year": grant.start_year,
        "year": 2019,
        "final_score": 88,
        "grade": "合格",
        "summary": "历年考核",
    }
    bad = xlsx("evaluations", [row, {**row, "year": 2020, "grade": "很好"}])
    report = import_run(kind="evaluations", user=admin, content=bad, dry_run=False)
    assert not report.written and "等次“很好”无效" in report.problems[0].message
    good = xlsx("evaluations", [row, {**row, "year": 2020, "final_score": 55, "grade": "不合格"}])
    assert import_run(kind="evaluations", user=admin, content=good, dry_run=False).written
    ev = StationEvaluation.objects.get(grant=grant, year=2020)
    assert ev.status == "confirmed" and ev.grade == "unqualified" and ev.round.status == "closed"
    assert import_run(kind="evaluations", user=admin, content=good, dry_run=False).new == 0
    assert StationEvaluation.objects.filter(grant=grant).count() == 2


def test_preview_and_confirm_through_the_pages(admin, client):
    client.force_login(admin)
    url = reverse("reports:import_preview", args=["societies"])
    content = xlsx("societies", [society_row(1)])
    upload = SimpleUploadedFile("学会.xlsx", content)
    response = client.post(url, {"file": upload})
    assert response.status_code == 200
    assert Society.objects.filter(name="导入学会1").count() == 0
    token = response.context["token"]
    response = client.post(reverse("reports:import_confirm", args=["societies"]), {"token": token})
    assert response.status_code == 200 and b"import-done" in response.content
    assert Society.objects.filter(name="导入学会1").count() == 1
    # The token is used up; another user's token or a forged one is a 404.
    again = client.post(reverse("reports:import_confirm", args=["societies"]), {"token": token})
    assert again.status_code == 404
    forged = client.post(
        reverse("reports:import_confirm", args=["societies"]), {"token": "../../x"}
    )
    assert forged.status_code == 404


def test_bad_file_shows_the_row_report_and_a_non_xlsx_is_refused(admin, client):
    client.force_login(admin)
    url = reverse("reports:import_preview", args=["host_units"])
    content = xlsx("host_units", [host_row(1, credit_code="123")])
    response = client.post(url, {"file": SimpleUploadedFile("单位.xlsx", content)})
    assert response.status_code == 422
    body = response.content.decode()
    assert "第 2 行" in body and "统一社会信用代码应为18位" in body and "import-confirm" not in body
    response = client.post(url, {"file": SimpleUploadedFile("x.xlsx", b"MZ\x90\x00 not a zip")})
    assert response.status_code == 400


@pytest.mark.parametrize("role", [Role.FINANCE, Role.TALENT_OFFICE, Role.SOCIETY_STAFF])
def test_only_city_administrators_import(role, client, station):
    scope = (
        {"society": station.society} if role == Role.SOCIETY_STAFF else {"city": city("shenyang")}
    )
    client.force_login(UserFactory(role=role, **scope))
    assert client.get(reverse("reports:imports")).status_code == 403
    assert client.get(reverse("reports:import_template", args=["societies"])).status_code == 403


@pytest.mark.parametrize("rows", [10, 40])
def test_lookups_are_loaded_once_per_file_not_per_row(admin, rows):
    """Societies, host units, districts, cities and existing stations: one query each per file."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for kind, make in (("societies", society_row), ("host_units", host_row)):
        content = xlsx(kind, [make(i) for i in range(rows)])
        assert import_run(kind=kind, user=admin, content=content, dry_run=False).written
    content = xlsx("stations", [station_row(i) for i in range(rows)])
    with CaptureQueriesContext(connection) as queries:
        report = import_run(kind="stations", user=admin, content=content, dry_run=True)
    assert report.ok and report.new == rows
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    # Object loads (SELECT "table"."id", …): the file's lookups, not one per row.
    for table in ("stations_society", "stations_hostunit", "stations_district", "stations_city"):
        loads = [sql for sql in selects if sql.startswith(f'SELECT "{table}"."id"')]
        assert len(loads) <= 2, (table, loads[:3])  # the file's lookups, not one per row
    loads = [s for s in selects if s.startswith('SELECT "stations_station"."id", ')]
    assert len(loads) == 1  # the file's existing stations, matched in memory
    keys = [s for s in selects if s.startswith('SELECT "stations_station"."id" AS "pk"')]
    assert len(keys) == 1  # the unique (city, name) of the whole file, checked at once
    # Nor does full_clean ask again whether each row's society or host unit exists.
    assert not [s for s in selects if s.startswith("SELECT 1 AS")]
