"""The impact preview on the policy parameter page and the budget forecast, in a browser.

Screenshots (artifacts/, not committed): policy-impact-preview.png, budget-forecast.png.
"""

import pytest

from accounts.roles import Role
from policies.models import PolicyVersion
from tests.factories import UserFactory, city
from tests.funding.cycle import run_station

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_preview_confirm_and_forecast(page, login_as, screenshot):
    grant, station, _who = run_station("shenyang", "key_support", "national", 2026, [(2026, 80)])
    admin = UserFactory(role=Role.CITY_ADMIN, city=city("shenyang"))
    login_as(admin)

    page.goto(f"{page.base_url}/policies/shenyang/")
    page.fill("#id_cutoff_good", "85")
    page.fill("#id_key_support_amount", "40000")
    page.fill("#id_effective_from", "2027-01-01")
    page.fill("#id_note", "提高良好分数线和年度补助")
    page.click("[data-testid=preview-button]")
    page.wait_for_selector("[data-testid=impact-preview]")
    affected = page.inner_text("[data-testid=preview-affected]")
    assert station.name in affected and "良好 → 合格" in affected
    assert page.inner_text("[data-testid=preview-total]") == "120,000"
    screenshot("policy-impact-preview")
    assert not PolicyVersion.objects.filter(city__code="shenyang", version=2).exists()

    page.click("[data-testid=confirm-button]")
    page.wait_for_selector("text=已保存为第 2 版参数")
    assert PolicyVersion.objects.get(city__code="shenyang", version=2).impact_preview["affected"]

    page.goto(f"{page.base_url}/reports/")
    page.click("[data-testid=forecast-link]")
    page.wait_for_selector("[data-testid=forecast-chart]")
    page.goto(page.url.split("?")[0] + "?year=2027")
    page.wait_for_selector("[data-testid=forecast-chart] svg.ssp-chart")
    table = page.inner_text("[data-testid=forecast-table]")
    assert "学会服务站择优资助（重点支持）" in table
    # Version 1 (30,000 for the station's year 2 + 3 × 30,000 new) or, once version 2 is in
    # force, 0 + 3 × 40,000: 120,000 either way, whatever today's date.
    assert page.inner_text("[data-testid=expected-2027]") == "120,000"
    assert "“预期”的假设" in page.inner_text("[data-testid=forecast-basis]")
    screenshot("budget-forecast")
