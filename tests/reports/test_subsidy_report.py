"""The subsidy report: Excel and PDF read back and checked against the database."""

from __future__ import annotations

import re

import pytest
from django.db.models import Sum
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from funding.models import Disbursement, Recovery
from reports.subsidy import rmb_upper, subsidy_report
from tests.factories import UserFactory

from .helpers import cell_value, open_xlsx, pdf_pages, pdf_text, save_artifact

pytestmark = pytest.mark.django_db

HEADERS = [
    "项目类别",
    "级别",
    "服务站",
    "建站学会",
    "建站单位",
    "资助年度",
    "考核等次",
    "核定金额（元）",
    "已拨付（元）",
    "已追回（元）",
    "净拨付（元）",
    "凭证号",
]


def db_totals(city):
    paid = Disbursement.objects.filter(grant__station__city=city).aggregate(s=Sum("amount"))["s"]
    recovered = Recovery.objects.filter(grant__station__city=city).aggregate(s=Sum("amount"))["s"]
    return paid or 0, recovered or 0


def rows_by_label(ws):
    return {
        ws.cell(row, 1).value: row
        for row in range(1, ws.max_row + 1)
        if isinstance(ws.cell(row, 1).value, str)
    }


def test_report_totals_match_the_database(guiyang_money, this_year):
    c = guiyang_money["city"]
    report = subsidy_report(guiyang_money["admin"], city=c, year=this_year)
    paid, recovered = db_totals(c)
    assert (report.totals.paid, report.totals.recovered) == (paid, recovered)
    assert report.totals.net == paid - recovered
    assert [lv.level for g in report.groups for lv in g.levels] == [
        "national",
        "provincial",
        "city",
    ]
    assert rmb_upper(230000) == "贰拾叁万元整"


def test_excel_has_typed_cells_formats_frozen_header_and_sums_in_the_sheet(
    guiyang_money, this_year, client
):
    c = guiyang_money["city"]
    client.force_login(guiyang_money["finance"])
    response = client.get(reverse("reports:subsidy"), {"year": this_year, "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    ws = open_xlsx(response.content).active
    assert [ws.cell(3, i).value for i in range(1, 13)] == HEADERS
    assert ws.freeze_panes == "A4"
    assert ws.column_dimensions["C"].width >= 30
    data_rows = [r for r in range(4, ws.max_row + 1) if isinstance(ws.cell(r, 6).value, int)]
    assert len(data_rows) == 4
    for r in data_rows:
        for col in (8, 9, 10, 11):
            cell = ws.cell(r, col)
            assert isinstance(cell.value, int), (r, col, cell.value)
            assert cell.number_format == "#,##0"
        assert ws.cell(r, 11).value == ws.cell(r, 9).value - ws.cell(r, 10).value
    labels = rows_by_label(ws)
    total_row = labels["合计"]
    for col in "HIJK":
        assert ws[f"{col}{total_row}"].value.startswith("=SUM(")
    paid, recovered = db_totals(c)
    assert cell_value(ws, f"I{total_row}") == paid == 250000
    assert cell_value(ws, f"J{total_row}") == recovered == 20000
    assert cell_value(ws, f"K{total_row}") == paid - recovered
    # Subtotals per program and level.
    assert cell_value(ws, f"I{labels['小计：学会产业科技服务工作站·省级']}") == 100000
    assert cell_value(ws, f"I{labels['小计：学会产业科技服务工作站·国家级']}") == 100000
    assert cell_value(ws, f"J{labels['小计：学会产业科技服务工作站·市级']}") == 20000
    assert any("贰拾叁万元整" in (v or "") for v in labels)
    assert AuditEvent.objects.filter(event="reports.subsidy_exported").count() == 1


def test_excel_subtotals_per_program(hangzhou_money, this_year, client):
    client.force_login(hangzhou_money["admin"])
    response = client.get(reverse("reports:subsidy"), {"year": this_year, "format": "xlsx"})
    ws = open_xlsx(response.content).active
    labels = rows_by_label(ws)
    assert cell_value(ws, f"I{labels['小计：学会协同创新服务（示范）基地']}") == 80000
    assert cell_value(ws, f"I{labels['小计：学会科技服务站']}") == 25000
    assert cell_value(ws, f"I{labels['合计']}") == 155000


def test_pdf_has_chinese_text_totals_uppercase_and_page_numbers(guiyang_money, this_year, client):
    client.force_login(guiyang_money["admin"])
    response = client.get(reverse("reports:subsidy"), {"year": this_year, "format": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    flat = re.sub(r"\s+", "", text)
    assert "贵阳市学会服务站资助资金报表" in flat
    assert "贵阳0号学会产业科技服务工作站" in flat
    assert "250,000" in flat and "230,000" in flat
    assert "净拨付合计（大写）：贰拾叁万元整" in flat
    assert "第1页/共" in flat
    assert "（盖章）" in flat
    save_artifact("reports-subsidy", response.content)


def test_pdf_repeats_the_table_header_on_every_page(guiyang_money, this_year, client):
    from reports.pdf import render_pdf

    report = subsidy_report(guiyang_money["admin"], city=guiyang_money["city"], year=this_year)
    level = report.groups[0].levels[0]
    level.rows = level.rows * 80  # long enough for several pages
    pdf = render_pdf(
        "reports/pdf/subsidy.html", {"report": report, "issuer": "贵阳市科学技术协会"}, lean_ua=True
    )
    pages = pdf_pages(pdf)
    assert pages >= 3
    assert re.sub(r"\s+", "", pdf_text(pdf)).count("已拨付（元）") >= pages


def test_date_range_counts_what_was_paid_in_the_range(guiyang_money, this_year):
    import datetime as dt

    c = guiyang_money["city"]
    report = subsidy_report(
        guiyang_money["admin"],
        city=c,
        date_from=dt.date(this_year, 1, 1),
        date_to=dt.date(this_year, 12, 31),
    )
    assert report.totals.paid == 250000
    empty = subsidy_report(
        guiyang_money["admin"],
        city=c,
        date_from=dt.date(2001, 1, 1),
        date_to=dt.date(2001, 12, 31),
    )
    assert empty.rows == [] and empty.totals.net == 0


@pytest.mark.parametrize("role", [Role.SOCIETY_STAFF, Role.HOST_STAFF, Role.COUNTY_REVIEWER])
def test_report_is_refused_to_roles_outside_the_city_office(guiyang_money, this_year, client, role):
    grant = guiyang_money["grants"][0]
    scope = {
        Role.SOCIETY_STAFF: {"society": grant.station.society},
        Role.HOST_STAFF: {"host_unit": grant.station.host_unit},
        Role.COUNTY_REVIEWER: {"district": grant.station.district},
    }[role]
    client.force_login(UserFactory(role=role, **scope))
    response = client.get(reverse("reports:subsidy"), {"year": this_year, "format": "xlsx"})
    assert response.status_code == 403


def test_another_citys_admin_sees_only_their_own_city(
    guiyang_money, hangzhou_money, this_year, client
):
    client.force_login(hangzhou_money["admin"])
    response = client.get(reverse("reports:subsidy"), {"year": this_year})
    assert response.status_code == 200
    body = response.content.decode()
    assert "杭州0号站" in body and "贵阳0号" not in body
    # The city parameter is ignored for city users: their own city only.
    response = client.get(
        reverse("reports:subsidy"), {"year": this_year, "city": guiyang_money["city"].pk}
    )
    assert "贵阳0号" not in response.content.decode()
