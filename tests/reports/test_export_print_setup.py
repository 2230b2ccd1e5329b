"""List exports print as a list is read: landscape, fit to width, filter buttons; labels, not
codes; totals formatted like their column; no sum under percentages."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.urls import reverse

from applications.models import Application, Call
from reports.excel import Column
from reports.excel_stream import write_table
from stations.choices import Level

from .helpers import open_xlsx

pytestmark = pytest.mark.django_db


def test_every_list_export_prints_landscape_fit_to_width_with_an_autofilter(personas, client):
    client.force_login(personas["admin"])
    for kind in ("stations", "applications", "evaluations", "disbursements"):
        response = client.get(reverse("reports:list_export", args=[kind]), {"download": "1"})
        ws = open_xlsx(response.content).active
        assert ws.page_setup.orientation == "landscape", kind
        # One page wide (fitToWidth left out means its default, 1: ECMA-376 §18.3.1.64),
        # as many pages down as it takes.
        assert (ws.page_setup.fitToWidth or 1) == 1 and ws.page_setup.fitToHeight == 0, kind
        assert ws.sheet_properties.pageSetUpPr.fitToPage, kind
        last_column = ws.cell(1, ws.max_column).column_letter
        assert ws.auto_filter.ref.startswith(f"A1:{last_column}"), (kind, ws.auto_filter.ref)
        assert ws.print_title_rows.replace("$", "") == "1:1", kind


def test_application_result_column_shows_the_label_never_the_code(personas, client):
    from accounts.roles import Role
    from tests.factories import SocietyFactory, UserFactory, city

    c = city("yiyang")
    admin = UserFactory(role=Role.CITY_ADMIN, city=c)
    call = Call.objects.create(
        city=c,
        program="station",
        title="申报",
        opens_on="2026-01-01",
        closes_on="2026-12-31",
        created_by=admin,
    )
    for n, (stage, outcome) in enumerate(
        [("certified", "certified"), ("rejected", "rejected"), ("submitted", "")]
    ):
        Application.objects.create(
            city=c,
            call=call,
            program="station",
            level=Level.CITY,
            title=f"申报{n}",
            society=SocietyFactory(city=c),
            stage=stage,
            outcome=outcome,
        )
    client.force_login(admin)
    response = client.get(reverse("reports:list_export", args=["applications"]), {"download": "1"})
    ws = open_xlsx(response.content).active
    header = [c.value for c in ws[1]]
    col = header.index("结果") + 1
    results = {ws.cell(r, 1).value: ws.cell(r, col).value for r in range(2, ws.max_row + 1)}
    assert "certified" not in results.values() and "rejected" not in results.values()
    assert results["申报0"] and results["申报1"] and results["申报2"] in (None, "")
    assert results["申报0"] != results["申报1"]


def test_totals_take_the_column_format_and_percentages_are_not_summed():
    out = BytesIO()
    cols = (
        Column("名称", lambda r: r[0]),
        Column("金额（元）", lambda r: r[1], total=True),
        Column("得分", lambda r: r[2], total=True),
        Column("占比（%）", lambda r: r[3], total=True),
    )
    write_table(out, title="t", columns=cols, rows=[("a", 1000, 1.5, 40.0), ("b", 2000, 2.5, 60.0)])
    ws = open_xlsx(out.getvalue()).active
    assert (
        ws["B4"].value == "=SUM(B2:B3)"
        and ws["B4"].number_format == ws["B2"].number_format == "#,##0"
    )
    assert ws["C4"].value == "=SUM(C2:C3)" and ws["C4"].number_format == ws["C2"].number_format
    assert ws["D4"].value is None  # no SUM under a percentage
    assert ws.auto_filter.ref == "A1:D3"  # the filter covers the data, not the totals row
