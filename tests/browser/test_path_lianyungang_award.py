"""Lianyungang's last steps in a browser (issue 15): once the public notice has closed, the
administrator makes the award (表彰奖励) and finance pays it once, to the society. (The
application, return, expert scoring and notice are driven in test_applications.py.)"""

import datetime as dt

import pytest

from accounts.roles import Role
from applications import services
from applications.models import PublicNotice
from funding.models import Disbursement, Grant
from tests.applications.conftest import World, on_day
from tests.browser.paths import act, pay, stage, switch
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYEE = ("连云港市某学会", "江苏银行连云港分行", "3201000010002345678")


def test_lianyungang_function_project_award_paid_once(page, login_as, screenshot):
    w = World()
    finance = UserFactory(role=Role.FINANCE, city=w.city)
    app = w.to_notice(w.submitted())
    with on_day(dt.date(2026, 11, 2)):
        services.notice_publish(
            city=w.city,
            applications=[app],
            actor=w.admin,
            title="承接职能示范工程拟奖励名单公示",
            start_on=dt.date(2026, 11, 2),
        )
    assert PublicNotice.objects.get().end_on < dt.date(2026, 12, 1)

    login_as(w.admin)
    page.goto(f"{page.base_url}/applications/{app.pk}/")
    act(page, "通过", "公示期满无异议。")
    assert stage(page) == "表彰奖励"
    screenshot("lianyungang-awarded")
    grant = Grant.objects.get(application=app)
    page.get_by_test_id("grant-link").first.click()
    page.wait_for_url("**/funding/grants/*/")

    switch(page, login_as, finance)
    pay(page, grant, grant.start_year, "记-2026-1130", PAYEE)
    assert Disbursement.objects.filter(grant=grant).count() == 1
    assert page.locator("[data-testid^=pay-]").count() == 0  # paid once
    screenshot("lianyungang-award-paid")
