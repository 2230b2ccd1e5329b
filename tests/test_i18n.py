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
