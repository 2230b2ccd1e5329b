"""The forecast and the impact preview from real rows: selector, pages, exports, storage, audit."""

from __future__ import annotations

import io
import subprocess

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditEvent
from accounts.roles import Role
from policies import selectors as policy_selectors
from policies.models import PolicyVersion
from reports.forecast_selectors import city_forecast, impact_preview, portfolio
from tests.factories import UserFactory, city
from tests.funding.cycle import run_station

pytestmark = pytest.mark.django_db


@pytest.fixture
def shenyang_grant():
    """A Shenyang key-support grant named 2026, year 1 paid, 2026 graded 良好 (80)."""
    grant, station, who = run_station("shenyang", "key_support", "national", 2026, [(2026, 80)])
    return grant, station, who


def test_portfolio_facts_come_from_the_rows(shenyang_grant):
    grant, _station, _who = shenyang_grant

    (facts,) = portfolio(city("shenyang")).grants

    assert facts.id == grant.pk and facts.status == "active"
    assert facts.evaluations == ((2026, 80.0, "good"),)
    assert facts.scheduled == {2026: 30000, 2027: 0, 2028: 0}
    assert facts.paid_years == {2026}


def test_city_forecast_sums_by_hand(shenyang_grant):
    result = city_forecast(city("shenyang"), first_year=2027)

    cells = [result.cell("key_support", y) for y in (2027, 2028, 2029)]
    # 2027, 2028: the station's years 2–3 at 良好 (80 repeated); 3 new stations a year.
    assert [c.conditional["expected"] for c in cells] == [30000, 30000, 0]
    assert [c.new["expected"] for c in cells] == [90000, 180000, 270000]
    assert [c.expected for c in result.year_totals()] == [120000, 210000, 270000]
    assert result.grand_total().expected == 600000


def _admin(code="shenyang"):
    return UserFactory(role=Role.CITY_ADMIN, city=city(code))


def _form(**changes):
    data = dict(policy_selectors.policy_version_for(city("shenyang")).params)
    data.update(effective_from="2027-01-01", note="提高良好线和补助额")
    data.update(changes)
    for key, value in list(data.items()):  # checkboxes: present = on
        if value is True:
            data[key] = "on"
        elif value is False:
            del data[key]
    return data


def test_preview_then_confirm_stores_the_preview_with_the_version_and_audits_it(
    client, shenyang_grant
):
    grant, station, _who = shenyang_grant
    client.force_login(_admin())
    url = reverse("policies:params", args=["shenyang"])
    data = _form(cutoff_good=85, key_support_amount=40000)

    page = client.post(url, {**data, "action": "preview"})

    assert page.status_code == 200
    assert not PolicyVersion.objects.filter(city__code="shenyang", version=2).exists()
    html = page.content.decode()
    assert 'data-testid="impact-preview"' in html and station.name in html
    preview = page.context["preview"]
    (diff,) = preview.differences
    assert diff.before == {2027: 30000, 2028: 30000, 2029: 0}
    assert diff.after == {2027: 0, 2028: 0, 2029: 0}
    assert [t.total for t in preview.totals] == [0, 30000, 90000]  # −30k+30k, −30k+60k, +90k

    # Changing a value after the preview previews again instead of saving.
    stale = client.post(
        url, {**data, "cutoff_good": 86, "action": "confirm", "digest": page.context["digest"]}
    )
    assert stale.status_code == 200
    assert not PolicyVersion.objects.filter(city__code="shenyang", version=2).exists()

    done = client.post(url, {**data, "action": "confirm", "digest": page.context["digest"]})

    assert done.status_code == 302
    version = PolicyVersion.objects.get(city__code="shenyang", version=2)
    stored = version.impact_preview
    assert stored["base_version"] == 1 and stored["years"] == [2027, 2028, 2029]
    assert [t["total"] for t in stored["totals"]] == [0, 30000, 90000]
    assert [(a["kind"], a["id"]) for a in stored["affected"]] == [("grant", grant.pk)]
    assert stored["changed"]["cutoff_good"] == {"before": 75, "after": 85}
    event = AuditEvent.objects.filter(event="policy.params_changed").latest("id")
    assert event.detail["impact"]["total_delta"] == 120000
    assert event.detail["impact"]["affected"][0]["id"] == grant.pk


def test_impact_preview_leaves_decided_years_alone(shenyang_grant):
    grant, _station, _who = shenyang_grant
    proposed = {**policy_selectors.policy_version_for(city("shenyang")).params}
    proposed["key_support_amount"] = 40000

    result = impact_preview(city("shenyang"), proposed, first_year=2026)

    (diff,) = result.differences
    assert diff.before[2026] == diff.after[2026] == 0  # paid in 2026: not in the forecast
    assert diff.delta == {2026: 0, 2027: 10000, 2028: 10000}


@pytest.mark.parametrize(
    ("role", "own", "status"),
    [
        (Role.CITY_ADMIN, True, 200),
        (Role.FINANCE, True, 200),
        (Role.TALENT_OFFICE, True, 200),
        (Role.CITY_ADMIN, False, 404),
        (Role.FINANCE, False, 404),
    ],
)
def test_forecast_page_is_for_the_city_only(client, role, own, status):
    user = UserFactory(role=role, city=city("shenyang" if own else "hangzhou"))
    client.force_login(user)

    assert client.get(reverse("reports:forecast_city", args=["shenyang"])).status_code == status


def test_society_staff_cannot_open_the_forecast(client, shenyang_grant):
    client.force_login(shenyang_grant[2]["society"])

    assert client.get(reverse("reports:forecast")).status_code == 404
    assert client.get(reverse("reports:forecast_city", args=["shenyang"])).status_code == 404


def test_platform_admin_sees_every_city(client, shenyang_grant):
    client.force_login(UserFactory(role=Role.SUPERUSER, city=None, is_superuser=True))

    page = client.get(reverse("reports:forecast"), {"year": 2027})

    assert page.status_code == 200
    rows = {row["city"].code: row for row in page.context["rows"]}
    assert set(rows) >= {"shenyang", "yiyang", "lianyungang", "guiyang", "hangzhou"}
    assert rows["shenyang"]["grand"].expected == 600000


def test_forecast_page_chart_and_excel(client, shenyang_grant):
    client.force_login(_admin())
    url = reverse("reports:forecast_city", args=["shenyang"])

    page = client.get(url, {"year": 2027})
    html = page.content.decode()
    assert "<svg" in html and "210,000" in html and "“预期”的假设" in html

    xlsx = client.get(url, {"year": 2027, "format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(ws.iter_rows(values_only=True))
    header = rows[3]
    data = [r for r in rows if r[0] == "学会服务站择优资助（重点支持）"]
    expected = header.index("合计·预期（元）")
    assert [r[1] for r in data] == [2027, 2028, 2029]
    assert [r[expected] for r in data] == [120000, 210000, 270000]
    assert rows[-1][0] == "合计" and rows[-1][expected].startswith("=SUM(")
    assert AuditEvent.objects.filter(event="funding.forecast_exported").count() == 1


def test_forecast_pdf_renders_with_the_cjk_font(client, shenyang_grant, tmp_path):
    client.force_login(_admin())

    pdf = client.get(
        reverse("reports:forecast_city", args=["shenyang"]), {"year": 2027, "format": "pdf"}
    )

    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    path = tmp_path / "forecast.pdf"
    path.write_bytes(pdf.content)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    assert "WenQuanYi" in fonts
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True
    ).stdout
    assert "资助资金预算预测" in text and "210,000" in text


def test_a_version_saved_meanwhile_means_previewing_again(client, shenyang_grant):
    import datetime as dt

    from policies import services as policy_services

    admin = _admin()
    client.force_login(admin)
    url = reverse("policies:params", args=["shenyang"])
    data = _form(cutoff_good=85)
    page = client.post(url, {**data, "action": "preview"})
    params = dict(policy_selectors.policy_version_for(city("shenyang")).params)
    policy_services.policy_version_create(
        city=city("shenyang"),
        params={**params, "selection_quota": 4},
        effective_from=dt.date(2000, 1, 2),
        note="另一位管理员",
        actor=_admin(),
    )

    again = client.post(url, {**data, "action": "confirm", "digest": page.context["digest"]})

    assert again.status_code == 200 and again.context["preview"].base_version == 2
    assert not PolicyVersion.objects.filter(city__code="shenyang", version=3).exists()


def test_a_station_less_grant_is_in_the_portfolio_and_its_unpaid_year_certain():
    """A research topic's grant has no station: the forecast counts it by its own city."""
    import datetime as dt

    from applications.models import Application, Call
    from funding import services as fund_services
    from tests.factories import SocietyFactory

    hz = city("hangzhou")
    admin = _admin("hangzhou")
    call = Call.objects.create(
        city=hz,
        program="research_key",
        title="2027年重点课题申报",
        opens_on=dt.date(2027, 1, 1),
        closes_on=dt.date(2027, 12, 31),
        required_materials=[],
    )
    topic = Application.objects.create(
        call=call,
        city=hz,
        program="research_key",
        society=SocietyFactory(city=hz),
        title="学会助力产业创新研究",
        level="city",
        created_by=admin,
    )
    grant = fund_services.grant_create_for_application(
        application=topic, start_year=2027, actor=admin
    )

    (facts,) = portfolio(hz).grants
    assert (facts.id, facts.station_id, facts.station) == (grant.pk, 0, "学会助力产业创新研究")
    cell = city_forecast(hz, first_year=2027).cell("research_key", 2027)
    assert cell.certain == grant.amount == 15000
