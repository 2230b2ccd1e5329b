"""Legacy spreadsheets as 科协 clerks really have them: each awkward file has one exact outcome,
imported right or refused with the sheet's own row number and header."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.roles import Role
from funding.models import Disbursement
from reports.imports import IMPORTS, import_run
from stations.models import HostUnit, Society, Station
from tests.factories import UserFactory, make_credit_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(shenyang):
    return UserFactory(role=Role.CITY_ADMIN, city=shenyang)


def workbook(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


SOCIETY_HEADERS = ["序号", "城市代码", "名称", "级别", "学科领域", "业务主管单位"]


def test_title_row_serial_column_blank_rows_and_chinese_labels_import_right(admin):
    content = workbook(
        [
            ["沈阳市学会名单（2024年）", None, None, None, None, None],
            [None] * 6,
            SOCIETY_HEADERS,
            [1, "shenyang ", " 沈阳市机械工程学会 ", "市级", "机械工程", "市科协"],
            [None] * 6,
            [2, "沈阳", "沈阳市ＡＩ学会", "省级学会", "人工智能", "省科协"],
            [3, "shenyang", "中国示例分会学会", "national", "化学", "cast"],
        ]
    )
    report = import_run(kind="societies", user=admin, content=content, dry_run=False)
    assert report.ok and report.written, report.problems
    assert report.new == 3
    first = Society.objects.get(name="沈阳市机械工程学会")  # trimmed
    assert (first.level, first.supervising_cast, first.city.code) == (
        "city",
        "city_cast",
        "shenyang",
    )
    ai = Society.objects.get(name="沈阳市AI学会")  # full-width letters made half-width
    assert (ai.level, ai.supervising_cast) == ("provincial", "provincial_cast")
    assert Society.objects.get(name="中国示例分会学会").level == "national"


def test_bad_cell_is_reported_at_the_sheets_own_row_with_its_header(admin):
    content = workbook(
        [
            ["沈阳市学会名单（2024年）"],
            SOCIETY_HEADERS,
            [1, "shenyang", "甲学会", "市级", "机械", "市科协"],
            [None] * 6,
            [2, "shenyang", "乙学会", "区级", "机械", "市科协"],  # Excel row 5
        ]
    )
    report = import_run(kind="societies", user=admin, content=content, dry_run=False)
    assert not report.written and not Society.objects.filter(name__in=["甲学会", "乙学会"]).exists()
    assert [(p.row, p.header) for p in report.problems] == [(5, "级别")]
    message = report.problems[0].message
    assert (
        "“区级”不是可选的值" in message
        and "市级（city）" in message
        and "省级（provincial）" in message
    )


def host(n, legal, cast, account="6222020200001234567", **kw):
    return [
        "shenyang",
        kw.get("name", f"旧表单位{n}"),
        kw.get("nature", "企业"),
        kw.get("credit_code", make_credit_code(700000 + n)),
        "张三",
        "沈阳市",
        legal,
        cast,
        account,
    ]


@pytest.mark.parametrize(
    ("legal", "expected"),
    [
        ("是", True),
        ("Y", True),
        ("有", True),
        ("✓", True),
        ("否", False),
        ("N", False),
        ("无", False),
    ],
)
def test_yes_no_words_import_as_booleans(admin, legal, expected):
    headers = _header_row_for_hosts()
    content = workbook([headers, host(1, legal, "否")])
    report = import_run(kind="host_units", user=admin, content=content, dry_run=False)
    assert report.written, report.problems
    unit = HostUnit.objects.get(name="旧表单位1")
    assert unit.is_legal_person is expected and unit.has_own_cast is False


def _header_row_for_hosts():
    from reports.imports import header_labels

    labels = dict(header_labels(IMPORTS["host_units"]))
    codes = [
        "city",
        "name",
        "nature",
        "credit_code",
        "legal_rep",
        "registered_city",
        "is_legal_person",
        "has_own_cast",
        "bank_account_no",
    ]
    return [labels[c] for c in codes]


def test_an_unknown_yes_no_word_is_refused_with_the_allowed_words(admin):
    content = workbook([_header_row_for_hosts(), host(1, "大概", "否")])
    report = import_run(kind="host_units", user=admin, content=content, dry_run=True)
    assert [(p.row, p.column) for p in report.problems] == [(2, "is_legal_person")]
    assert "请填“是”或“否”" in report.problems[0].message


def test_the_platforms_own_export_imports_back_unchanged(admin):
    """Export writes 是/否: importing it back must not flip 具有独立法人资格."""
    content = workbook([_header_row_for_hosts(), host(1, "是", "是"), host(2, "否", "否")])
    assert import_run(kind="host_units", user=admin, content=content, dry_run=False).written
    flags = dict(
        HostUnit.objects.filter(name__startswith="旧表单位").values_list("name", "is_legal_person")
    )
    assert flags == {"旧表单位1": True, "旧表单位2": False}


@pytest.mark.parametrize(
    "typed",
    [6222020200001234567, 6.222020200001234e18, "6.22202E+18"],
    ids=["int-19-digits", "float-rounded", "scientific-text"],
)
def test_an_account_number_that_lost_digits_is_refused(admin, typed):
    content = workbook([_header_row_for_hosts(), host(1, "是", "否", account=typed)])
    report = import_run(kind="host_units", user=admin, content=content, dry_run=False)
    assert not report.written and not HostUnit.objects.filter(name="旧表单位1").exists()
    assert [(p.row, p.column) for p in report.problems] == [(2, "bank_account_no")]
    assert "文本" in report.problems[0].message


def test_an_account_number_typed_as_text_is_kept_exactly(admin):
    content = workbook(
        [_header_row_for_hosts(), host(1, "是", "否", account=" 6222 0202 0000 1234 567 ")]
    )
    assert import_run(kind="host_units", user=admin, content=content, dry_run=False).written
    assert HostUnit.objects.get(name="旧表单位1").bank_account_no == "6222020200001234567"


def test_full_width_credit_code_with_spaces_is_normalised(admin):
    code = make_credit_code(700001)
    full = "".join(chr(ord(ch) + 0xFEE0) for ch in code.lower())
    content = workbook([_header_row_for_hosts(), host(1, "是", "否", credit_code=f" {full}　")])
    assert import_run(kind="host_units", user=admin, content=content, dry_run=False).written
    assert HostUnit.objects.get(name="旧表单位1").credit_code == code


@pytest.fixture
def station_parents(admin):
    society = workbook([SOCIETY_HEADERS, [1, "shenyang", "日期学会", "national", "化学", "cast"]])
    assert import_run(kind="societies", user=admin, content=society, dry_run=False).written
    hosts = workbook([_header_row_for_hosts(), host(9, "是", "否")])
    assert import_run(kind="host_units", user=admin, content=hosts, dry_run=False).written
    return make_credit_code(700009)


def _station_headers():
    from reports.imports import header_labels

    labels = dict(header_labels(IMPORTS["stations"]))
    codes = [
        "city",
        "name",
        "society",
        "host_unit_credit_code",
        "level",
        "program",
        "status",
        "certified_on",
        "term_start",
        "term_end",
    ]
    return [labels[c] for c in codes]


def test_station_dates_in_chinese_forms_and_program_labels(admin, station_parents):
    content = workbook(
        [
            _station_headers(),
            [
                "沈阳市",
                "全国日期学会沈阳服务站",
                "日期学会",
                station_parents,
                "国家级",
                "学会服务站建站备案",
                "已认定（命名）",
                "2024/3/1",
                "2026年2月28日",
                dt.datetime(2029, 2, 28),
            ],
        ]
    )
    report = import_run(kind="stations", user=admin, content=content, dry_run=False)
    assert report.written, report.problems
    station = Station.objects.get(name="全国日期学会沈阳服务站")
    assert station.program == "filing" and station.status == "certified"
    assert (station.certified_on, station.term_start, station.term_end) == (
        dt.date(2024, 3, 1),
        dt.date(2026, 2, 28),
        dt.date(2029, 2, 28),
    )


def test_a_bad_date_is_refused_in_chinese(admin, station_parents):
    row = [
        "shenyang",
        "坏日期站",
        "日期学会",
        station_parents,
        "national",
        "filing",
        "filed",
        "2024年13月1日",
        None,
        None,
    ]
    report = import_run(
        kind="stations", user=admin, content=workbook([_station_headers(), row]), dry_run=True
    )
    assert [(p.row, p.column) for p in report.problems] == [(2, "certified_on")]
    assert "日期“2024年13月1日”无法识别" in report.problems[0].message
    assert "parsed" not in report.problems[0].message


def _society_csv(encoding: str) -> bytes:
    text = "沈阳市学会名单\r\n序号,城市代码,名称,级别,学科领域,业务主管单位\r\n1,沈阳,沈阳市䶮字学会,市级,机械工程,市科协\r\n,,,,,\r\n2,shenyang,沈阳市ＣＳＶ学会,省级,化学,省科协\r\n"
    return text.encode(encoding)


@pytest.mark.parametrize("encoding", ["gb18030", "gbk-safe", "utf-8-sig", "utf-8"])
def test_csv_in_gbk_or_utf8_imports(admin, encoding):
    if encoding == "gbk-safe":
        content = _society_csv("utf-8").decode().replace("䶮", "鑫").encode("gbk")
        name = "沈阳市鑫字学会"
    else:
        content = _society_csv(encoding)
        name = "沈阳市䶮字学会"
    report = import_run(kind="societies", user=admin, content=content, dry_run=False)
    assert report.written, report.problems
    assert Society.objects.get(name=name).supervising_cast == "city_cast"
    assert Society.objects.get(name="沈阳市CSV学会").level == "provincial"


def test_legacy_xls_file_imports(admin):
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("学会")
    rows = [
        ["沈阳市学会名单（2023年）"],
        SOCIETY_HEADERS,
        [1, "shenyang", "沈阳市旧格式学会", "市级", "机械", "市科协"],
        [],
        [2, "shenyang", "沈阳市旧格式二学会", "省级", "化学", "省科协"],
    ]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    report = import_run(kind="societies", user=admin, content=out.getvalue(), dry_run=False)
    assert report.written and report.new == 2, report.problems
    bad_rows = [*rows[:4], [2, "shenyang", "坏学会", "区级", "化学", "省科协"]]
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("学会")
    for r, row in enumerate(bad_rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    report = import_run(kind="societies", user=admin, content=out.getvalue(), dry_run=True)
    assert [(p.row, p.header) for p in report.problems] == [(5, "级别")]


def test_the_templates_example_row_is_ignored_and_its_notes_list_allowed_values(admin, client):
    client.force_login(admin)
    response = client.get(reverse("reports:import_template", args=["societies"]))
    wb = load_workbook(io.BytesIO(response.content))
    notes = {row[0].value: row[2].value for row in wb["填写说明"].iter_rows(min_row=2)}
    assert "市级（city）" in notes["学会级别"] and "市科协（city_cast）" in notes["业务主管科协"]
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    assert ws.cell(row=2, column=headers.index("学会名称") + 1).value == "示例学会"
    assert ws.cell(row=2, column=headers.index("城市代码") + 1).value == admin.city.code
    filled = {
        "城市代码": "shenyang",
        "学会名称": "真正的学会",
        "学会级别": "市级",
        "专业领域": "机械",
        "业务主管科协": "市科协",
    }
    for index, header in enumerate(headers, start=1):
        ws.cell(row=3, column=index, value=filled.get(header))
    out = io.BytesIO()
    wb.save(out)
    report = import_run(kind="societies", user=admin, content=out.getvalue(), dry_run=False)
    assert report.written and report.new == 1, report.problems
    assert Society.objects.filter(name="真正的学会").exists()
    assert not Society.objects.filter(name__contains="示例").exists()
    assert any("示例行" in n for n in report.notes)


def test_no_noise_about_internal_fields(admin):
    content = workbook([SOCIETY_HEADERS, [1, "shenyang", "", "市级", "机械", "市科协"]])
    report = import_run(kind="societies", user=admin, content=content, dry_run=True)
    assert report.problems and all(p.row == 2 for p in report.problems)
    text = " ".join(p.message + p.column for p in report.problems)
    for internal in ("approved_by", "created_at", "null", "id "):
        assert internal not in text


def test_an_unknown_column_names_the_header_not_the_title(admin):
    content = workbook(
        [
            ["沈阳市学会名单（2024年）"],
            [*SOCIETY_HEADERS, "备注栏"],
            [1, "shenyang", "甲", "市级", "机械", "市科协", "x"],
        ]
    )
    report = import_run(kind="societies", user=admin, content=content, dry_run=True)
    assert [p.row for p in report.problems] == [2]
    assert (
        "“备注栏”" in report.problems[0].message
        and "沈阳市学会名单" not in report.problems[0].message
    )


# --- payments against their grant --------------------------------------------------------


@pytest.fixture
def open_grant(guiyang_money):
    from funding import services as fund_services
    from stations.choices import Level, StationStatus
    from tests.factories import SocietyFactory, StationFactory

    c = guiyang_money["city"]
    society = SocietyFactory(city=c, level=Level.CITY, name="贵阳历史学会")
    station = StationFactory(
        city=c,
        society=society,
        level=Level.CITY,
        program="station",
        status=StationStatus.CERTIFIED,
        name="贵阳历史工作站",
    )
    return fund_services.grant_create(
        station=station, program="station", start_year=2023, actor=guiyang_money["admin"]
    )


def _payment_headers():
    from reports.imports import header_labels

    return [label for _c, label in header_labels(IMPORTS["payments"])]


def payment(grant, year, amount, paid_on):
    return [
        "guiyang",
        grant.station.name,
        "station",
        grant.start_year,
        year,
        amount,
        paid_on,
        f"记-{year}",
        "贵阳历史学会",
        "中国银行",
        "6222020200001234567",
    ]


@time_machine.travel(dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC), tick=False)
def test_payments_in_a_future_year_or_beyond_the_grant_are_refused_with_the_clause(
    guiyang_money, open_grant
):
    admin = guiyang_money["admin"]
    grant = open_grant
    before = Disbursement.objects.count()
    future = workbook([_payment_headers(), payment(grant, 2026, 1000, "2025-05-01")])
    report = import_run(kind="payments", user=admin, content=future, dry_run=False)
    assert [(p.row, p.column) for p in report.problems] == [(2, "year")]
    assert "2026 年在今年（2025 年）之后" in report.problems[0].message
    future_day = workbook([_payment_headers(), payment(grant, 2025, 1000, "2025年7月1日")])
    report = import_run(kind="payments", user=admin, content=future_day, dry_run=False)
    assert [(p.row, p.column) for p in report.problems] == [(2, "paid_on")]
    too_much = workbook([_payment_headers(), payment(grant, 2023, grant.amount + 1, "2023/6/30")])
    report = import_run(kind="payments", user=admin, content=too_much, dry_run=False)
    assert [(p.row, p.column) for p in report.problems] == [(2, "amount")]
    assert (
        f"{grant.amount:,} 元" in report.problems[0].message
        and "依据" in report.problems[0].message
    )
    assert "贵阳 四(四)" not in report.problems[0].message  # cited by title and article
    half = grant.amount // 2 + 1
    twice = workbook(
        [
            _payment_headers(),
            payment(grant, 2023, half, "2023/6/30"),
            payment(grant, 2024, half, "2024/6/30"),
        ]
    )
    report = import_run(kind="payments", user=admin, content=twice, dry_run=False)
    assert [(p.row, p.column) for p in report.problems] == [(3, "amount")]
    assert "超过核定总额" in report.problems[0].message
    assert Disbursement.objects.count() == before
    fine = workbook([_payment_headers(), payment(grant, 2023, grant.amount, "2023/6/30")])
    report = import_run(kind="payments", user=admin, content=fine, dry_run=False)
    assert report.written, report.problems
    assert (
        Disbursement.objects.get(grant=grant, year=2023).payee_account_no == "6222020200001234567"
    )


# --- the pages -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("学会.csv", _society_csv("gb18030")),
        ("学会.CSV", _society_csv("utf-8-sig")),
    ],
)
def test_the_preview_page_accepts_csv_and_shows_headers(admin, client, name, content):
    client.force_login(admin)
    url = reverse("reports:import_preview", args=["societies"])
    response = client.post(url, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200, response.content.decode()[:2000]
    assert response.context["token"]


def test_the_preview_page_shows_the_sheet_header_and_row(admin, client):
    client.force_login(admin)
    content = workbook(
        [["标题"], SOCIETY_HEADERS, [None] * 6, [1, "shenyang", "甲", "区级", "机械", "市科协"]]
    )
    url = reverse("reports:import_preview", args=["societies"])
    response = client.post(url, {"file": SimpleUploadedFile("x.xlsx", content)})
    assert response.status_code == 422
    body = response.content.decode()
    assert "第 4 行" in body and "<td>级别</td>" in body and ">level<" not in body


def test_another_citys_row_is_explained_with_the_city_codes(admin):
    content = workbook([SOCIETY_HEADERS, [1, "杭州", "杭州某学会", "市级", "机械", "市科协"]])
    report = import_run(kind="societies", user=admin, content=content, dry_run=True)
    assert [p.row for p in report.problems] == [2]
    message = report.problems[0].message
    assert "只能导入本市的数据（沈阳）" in message and "“hangzhou”" in message
    assert "“shenyang”" in message
