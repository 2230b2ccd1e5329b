"""Guiyang's last steps in a browser (issue 15): the chair meeting certifies the society's
station with its demand unit, and finance pays the one-off subsidy into the account the
申报书 gave — not the society's master record. (The application, budget and reviews up to
the chair meeting are driven in test_applications_yiyang.py / tests/applications.)"""

import pytest

from accounts.roles import Role
from funding.models import Disbursement, Grant
from stations.choices import Level
from tests.applications.cities import Guiyang
from tests.browser.paths import act, pay, switch
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_guiyang_certified_national_station_paid_100000_to_the_account_on_the_form(
    page, login_as, screenshot
):
    w = Guiyang()
    w.society.level = Level.NATIONAL
    # The master record holds an older account: the form's account must win.
    w.society.bank_account_name = "贵阳市先进装备制造学会（旧户）"
    w.society.bank_name = "中国农业银行贵阳分行"
    w.society.bank_account_no = "9999000011110000"
    w.society.save()
    finance = UserFactory(role=Role.FINANCE, city=w.city)
    # 贵阳 三(三)7: a national-level station has 10 experts, 5 from outside the province.
    experts = "\n".join(f"进站专家{i}，{'北京市' if i < 5 else '贵州省'}" for i in range(10))
    app = w.submitted(level="national", experts=experts)
    w.act(app, "approve")  # material review → site inspection
    w.inspect(app)
    w.act(app, "approve")  # → chair meeting
    assert app.stage == "chair_meeting"

    # The chair meeting's decision, entered by the administrator, certifies the station.
    login_as(w.admin)
    page.goto(f"{page.base_url}/applications/{app.pk}/")
    assert "壹拾万元整" in page.inner_text("main")  # the approved budget, in words
    act(page, "通过", "主任办公会研究同意。")
    assert page.inner_text("[data-testid=certification]").startswith("已认定授牌")
    grant = Grant.objects.get(station=app.station)
    assert grant.amount == 100000  # 贵阳 四(四)2: a national-level station
    page.get_by_test_id("grant-link").click()
    page.wait_for_url(f"**/funding/grants/{grant.pk}/")
    screenshot("guiyang-certified-grant")

    # Finance finds the 申报书's account prefilled and pays it.
    switch(page, login_as, finance)
    page.goto(f"{page.base_url}/funding/grants/{grant.pk}/")
    form = page.locator(f"[data-testid=pay-{grant.start_year}]")
    assert form.get_by_label("收款户名").input_value() == "贵阳市先进装备制造学会"
    assert form.get_by_label("开户银行").input_value() == "贵阳银行"
    assert form.get_by_label("收款账号").input_value() == "6222000011112222"
    pay(page, grant, grant.start_year, "记-2026-1201")
    paid = Disbursement.objects.get(grant=grant)
    assert (paid.amount, paid.payee_account_no) == (100000, "6222000011112222")
    screenshot("guiyang-paid-to-form-account")
