"""End to end in Chromium: an enterprise's demand is served and the station's counts go up."""

import re

import pytest
from django.core.cache import cache

from accounts.roles import Role
from network.models import Demand
from tests.factories import StationFactory, make_credit_code
from tests.network.test_workflow import counts_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NUMBERS = {ch: i for i, ch in enumerate("零一二三四五六七八九十")}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def solve(question: str) -> str:
    a, op, b = re.search(
        r"([零一二三四五六七八九十])([加减])([零一二三四五六七八九十])", question
    ).groups()
    return str(NUMBERS[a] + NUMBERS[b] if op == "加" else NUMBERS[a] - NUMBERS[b])


def log_out(page):
    page.click("[data-testid=whoami]")  # the account menu
    page.click("[data-testid=logout]")
    page.wait_for_selector("#id_username")


def test_enterprise_demand_is_assigned_solved_and_counted(
    page, login_as, make_user, shenyang, screenshot, settings
):
    # A person takes longer than the anti-bot minimum; the robot filling this form does not.
    settings.NETWORK_REGISTER_MIN_SECONDS = 0
    cache.clear()
    station = StationFactory(
        city=shenyang, name="全国机械工程学会沈阳服务站", industry="装备制造", discipline="机械工程"
    )
    StationFactory(
        city=shenyang, name="全国作物学会沈阳服务站", industry="现代农业", discipline="作物学"
    )
    admin = make_user(Role.CITY_ADMIN, city=shenyang)
    staff = make_user(Role.SOCIETY_STAFF, society=station.society)
    served_before, solved_before = counts_for(station)

    # 1. The enterprise finds the directory and registers.
    page.goto(f"{page.base_url}/public/shenyang/")
    assert station.name in page.inner_text("[data-testid=public-stations]")
    page.click("[data-testid=register-link]")
    page.select_option("#id_city", label="沈阳")
    page.fill("#id_name", "沈阳精工机床有限公司")
    page.fill("#id_credit_code", make_credit_code(777))
    page.fill("#id_industry", "装备制造")
    page.fill("#id_contact_name", "李明")
    page.fill("#id_contact_mobile", "13912340000")
    page.fill("#id_contact_email", "liming@example.cn")
    page.fill("#id_username", "jinggong")
    page.fill("#id_password1", "pw-Secret-123")
    page.fill("#id_password2", "pw-Secret-123")
    page.fill("#id_challenge", solve(page.inner_text("[data-testid=help-challenge]")))
    screenshot("network-register")
    page.click("[data-testid=register-submit]")
    page.wait_for_selector("[data-testid=demand-submit]")
    assert "企业用户" in page.inner_text("[data-testid=whoami]")

    # 2. It submits a demand with an attachment.
    page.fill("#id_title", "数控机床主轴振动问题")
    page.fill("#id_industry", "装备制造")
    page.fill("#id_field", "机械工程")
    page.select_option("#id_urgency", "urgent")
    page.fill("#id_description", "高速加工时主轴振动超标，需要机械工程专家现场诊断。")
    page.set_input_files(
        "#id_attachments",
        files=[{"name": "振动测试报告.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.click("[data-testid=demand-submit]")
    page.wait_for_selector("[data-testid=timeline]")
    assert page.inner_text("[data-testid=demand-status]") == "已提交"
    assert "振动测试报告.pdf" in page.inner_text("[data-testid=attachment]")
    demand = Demand.objects.get()
    log_out(page)

    # 3. The city administrator sees the ranked stations and assigns the best one.
    login_as(admin)
    page.goto(f"{page.base_url}/network/demands/")
    page.click("text=数控机床主轴振动问题")
    first_match = page.locator("[data-testid=station-match]").first
    assert station.name in first_match.inner_text()
    screenshot("network-demand-admin")
    page.select_option("#id_station", label=station.name)
    page.click("[data-testid=assign-submit]")
    page.wait_for_selector("text=已保存")
    assert page.inner_text("[data-testid=demand-status]") == "已受理"
    assert page.inner_text("[data-testid=demand-station]") == station.name
    log_out(page)

    # 4. The station's society staff record the outcome.
    login_as(staff)
    page.goto(f"{page.base_url}/network/demands/{demand.pk}/")
    page.fill("#id_note", "调整主轴轴承预紧力并更换刀柄，振动下降80%。")
    page.click("[data-testid=transition-solved]")
    page.wait_for_selector("text=已保存")
    assert page.inner_text("[data-testid=demand-status]") == "已解决"

    # 5. The station's counts went up by one each, on the page and in the records.
    page.goto(f"{page.base_url}/network/demands/")
    card = page.locator(f"[data-testid=station-counts-{station.pk}]")
    assert card.locator("[data-testid=demands-served]").inner_text() == str(served_before + 1)
    assert card.locator("[data-testid=problems-solved]").inner_text() == str(solved_before + 1)
    screenshot("network-station-counts")
    assert counts_for(station) == (served_before + 1, solved_before + 1)
    log_out(page)

    # 6. The enterprise sees the result and was told about it.
    page.fill("#id_username", "jinggong")
    page.fill("#id_password", "pw-Secret-123")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=whoami]")
    page.goto(f"{page.base_url}/network/demands/{demand.pk}/")
    assert page.inner_text("[data-testid=demand-status]") == "已解决"
    assert demand.enterprise.user.notifications.filter(title__contains="已解决").exists()
