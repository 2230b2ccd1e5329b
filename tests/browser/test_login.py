import pytest

from accounts.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_wrong_password_shows_chinese_error_and_keeps_username(page, make_user, shenyang):
    user = make_user(Role.CITY_ADMIN, city=shenyang)
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "wrong-password")
    page.click("button[type=submit]")
    assert "用户名或密码不正确" in page.inner_text(".alert-danger")
    assert page.input_value("#id_username") == user.username


def test_society_staff_logs_in_sees_dashboard_and_logs_out(page, login_as, personas, screenshot):
    login_as(personas["society"])
    assert "学会工作人员" in page.inner_text("[data-testid=whoami]")
    assert page.inner_text("[data-testid=station-count]").strip() == "1"
    screenshot("dashboard-society")
    page.click("[data-testid=whoami]")  # the account menu
    page.click("[data-testid=logout]")
    page.wait_for_selector("#id_username")


def test_english_can_be_chosen(page, login_as, personas):
    login_as(personas["admin"])
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.locator("html").get_attribute("lang") == "en"
