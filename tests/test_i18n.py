"""The English translation (locale/en) is compiled, complete enough and not the default."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.roles import Role
from stations.choices import StationStatus

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"


def test_compiled_catalogue_is_committed():
    assert (LOCALE_DIR / "django.po").exists()
    assert (LOCALE_DIR / "django.mo").exists()


def test_labels_translate_in_english():
    with translation.override("en"):
        assert str(Role.CITY_ADMIN.label) == "City CAST society department administrator"
        assert str(Role.EXPERT_REVIEWER.label) == "Expert reviewer"
        assert str(StationStatus.CERTIFIED.label) == "Certified (named)"
        assert str(StationStatus.RECTIFICATION.label) == "Rectification"
        assert str(StationStatus.DELISTED.label) == "Delisted"
        assert translation.gettext("学会服务站管理平台") == "Society Station Platform"


def test_security_and_error_pages_translate_in_english():
    with translation.override("en"):
        assert translation.gettext("审计日志") == "Audit log"
        assert translation.gettext("返回工作台") == "Back to dashboard"


def test_placeholders_survive_translation():
    with translation.override("en"):
        text = translation.gettext("服务站状态不能从“%(from)s”变更为“%(to)s”。") % {
            "from": "A",
            "to": "B",
        }
        assert text == "A station's status cannot be changed from “A” to “B”."
        many = translation.ngettext("共 %(counter)s 条", "共 %(counter)s 条", 3) % {"counter": 3}
        one = translation.ngettext("共 %(counter)s 条", "共 %(counter)s 条", 1) % {"counter": 1}
        assert many == "3 records in total"
        assert one == "1 record in total"


def test_default_language_stays_chinese():
    assert settings.LANGUAGE_CODE == "zh-hans"
    with translation.override(settings.LANGUAGE_CODE):
        assert str(Role.CITY_ADMIN.label) == "市科协学会部管理员"
        assert str(StationStatus.CERTIFIED.label) == "已认定（命名）"


@pytest.mark.django_db
def test_login_page_in_english_by_accept_language(client):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Log in" in body
    assert "Username" in body
    assert "Password" in body
    assert "用户名" not in body


@pytest.mark.django_db
def test_login_page_in_english_by_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse("accounts:login")).content.decode()
    assert "Log in" in body
    assert "Username" in body


@pytest.mark.django_db
def test_login_page_in_chinese_by_default(client):
    body = client.get(reverse("accounts:login")).content.decode()
    assert "用户名" in body
    assert "登录" in body
    assert "Username" not in body


def test_newly_wrapped_template_strings_and_dates_translate_in_english():
    import datetime

    from django.template import Context, Template

    with translation.override("en"):
        assert translation.gettext("待办审核") == "Pending reviews"
        assert translation.gettext("审核拨付") == "Approve disbursement"
        assert translation.gettext("调休上班,放假") == "Make-up workday,Holiday"
        rendered = Template(
            '{% load i18n %}{{ d|date:_("Y年n月j日") }}|{{ t|date:_("Y年n月j日 H:i") }}|{{ b|yesno:_("是,否") }}'
        ).render(
            Context(
                {
                    "d": datetime.date(2026, 3, 5),
                    "t": datetime.datetime(2026, 3, 5, 9, 30),
                    "b": True,
                }
            )
        )
        assert rendered == "5 Mar 2026|5 Mar 2026 09:30|Yes"  # issue 19: English dates "2 Dec 2026"
    with translation.override(settings.LANGUAGE_CODE):
        assert translation.gettext("待办审核") == "待办审核"


@pytest.mark.django_db
def test_applications_and_reports_pages_in_english(client, personas):
    client.force_login(personas["admin"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    # LocaleMiddleware leaves "en" active in this thread; restore it afterwards
    # so that later tests still see the Chinese default.
    with translation.override(settings.LANGUAGE_CODE):
        inbox = client.get(reverse("applications:inbox")).content.decode()
        reports = client.get(reverse("reports:index")).content.decode()
    assert "Pending reviews" in inbox
    assert "Calls for applications" in inbox
    assert "待办审核" not in inbox
    assert "Funding report" in reports
    assert "资助资金报表" not in reports
