"""Official documents as PDF, and the fetcher that keeps rendering inside the static files."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from weasyprint import HTML

from accounts.roles import Role
from applications.models import Application, Call, PublicNotice
from evaluations.models import EvaluationRound, StationEvaluation
from reports import documents
from reports.pdf import BASE_URL, FetchRefused, StaticOnlyFetcher, render_pdf, static_path_for
from stations.choices import Level, StationStatus
from tests.factories import HostUnitFactory, SocietyFactory, StationFactory, UserFactory, city

from .helpers import pdf_text, save_artifact

pytestmark = pytest.mark.django_db


def flat(pdf: bytes) -> str:
    return re.sub(r"\s+", "", pdf_text(pdf))


# --- the fetcher -----------------------------------------------------------------------------


def test_fetcher_serves_static_files_only():
    assert static_path_for(BASE_URL + "static/reports/pdf.css").endswith("reports/pdf.css")
    for url in [
        "file:///etc/passwd",
        "http://127.0.0.1:8000/admin/",
        "https://127.0.0.1/static/reports/pdf.css",
        "http://static.ssp.invalid/static/reports/pdf.css",  # wrong scheme
        BASE_URL + "static/../../../etc/passwd",
        BASE_URL + "static/%2e%2e/%2e%2e/etc/passwd",
        BASE_URL + "static/reports/pdf.css?x=1",
        BASE_URL + "etc/passwd",
        "data:text/css,body{}",
        "ftp://example.com/x",
    ]:
        assert static_path_for(url) is None, url
        with pytest.raises(FetchRefused):
            StaticOnlyFetcher().fetch(url)
    response = StaticOnlyFetcher().fetch(BASE_URL + "static/reports/pdf.css")
    assert b"@page" in response.read()


def test_hostile_urls_in_raw_html_are_refused_and_rendering_goes_on():
    fetcher = StaticOnlyFetcher()
    html = (
        '<link rel="stylesheet" href="http://127.0.0.1:9/evil.css">'
        '<img src="file:///etc/passwd"><p>正文</p>'
    )
    pdf = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()
    assert set(fetcher.refused) == {"http://127.0.0.1:9/evil.css", "file:///etc/passwd"}
    assert fetcher.fetched == []
    assert "正文" in pdf_text(pdf)


def test_user_fields_with_urls_render_as_text_and_fetch_nothing(shenyang):
    society = SocietyFactory(city=shenyang, name='<img src="file:///etc/passwd">学会')
    host = HostUnitFactory(city=shenyang, name="http://127.0.0.1:8000/steal 单位")
    station = StationFactory(
        city=shenyang,
        society=society,
        host_unit=host,
        name='<link rel="stylesheet" href="http://127.0.0.1:9/x.css">服务站',
        certified_on=dt.date(2025, 3, 1),
        certificate_no="SY-2025-001",
    )
    admin = UserFactory(role=Role.CITY_ADMIN, city=shenyang)
    template, context, _name = documents.certificate(admin, station.pk)
    fetcher = StaticOnlyFetcher()
    text = flat(render_pdf(template, context, fetcher=fetcher))
    assert fetcher.refused == []
    assert all(u.startswith(BASE_URL + "static/") for u in fetcher.fetched) and fetcher.fetched
    assert "file:///etc/passwd" in text and "http://127.0.0.1:8000/steal" in text


# --- documents -----------------------------------------------------------------------------


def test_certificate_pdf_text(client, shenyang):
    station = StationFactory(
        city=shenyang,
        name="全国测试学会沈阳服务站",
        status=StationStatus.KEY_SUPPORTED,
        certified_on=dt.date(2025, 3, 1),
        certificate_no="SY-2025-001",
    )
    client.force_login(UserFactory(role=Role.CITY_ADMIN, city=shenyang))
    response = client.get(reverse("reports:document", args=["certificate", station.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = flat(response.content)
    assert "全国测试学会沈阳服务站" in text
    assert "沈阳市科学技术协会" in text and "二〇二五年三月一日" in text
    assert "SY-2025-001" in text and "牌匾文字" in text
    save_artifact("reports-certificate", response.content)


def test_no_certificate_before_certification(client, shenyang):
    station = StationFactory(city=shenyang, status=StationStatus.FILED, certified_on=None)
    client.force_login(UserFactory(role=Role.CITY_ADMIN, city=shenyang))
    response = client.get(reverse("reports:document", args=["certificate", station.pk]))
    assert response.status_code == 409


def test_other_citys_object_is_404_like_a_missing_one(client, shenyang):
    station = StationFactory(city=shenyang, certified_on=dt.date(2025, 3, 1))
    client.force_login(UserFactory(role=Role.CITY_ADMIN, city=city("hangzhou")))
    assert (
        client.get(reverse("reports:document", args=["certificate", station.pk])).status_code == 404
    )
    assert client.get(reverse("reports:document", args=["certificate", 999999])).status_code == 404
    assert client.get(reverse("reports:document", args=["secrets", station.pk])).status_code == 404


def test_evaluation_result_notice(client, guiyang_money, this_year):
    grant = guiyang_money["grants"][0]
    rnd = EvaluationRound.objects.create(
        city=guiyang_money["city"],
        year=this_year,
        title=f"{this_year}年度考核",
        due_date=timezone.localdate(),
        opened_by=guiyang_money["admin"],
    )
    ev = StationEvaluation.objects.create(
        round=rnd,
        station=grant.station,
        grant=grant,
        year=this_year,
        status=StationEvaluation.Status.CONFIRMED,
        final_score="86.5",
        grade="qualified",
        confirmed_by=guiyang_money["admin"],
        confirmed_at=timezone.now(),
        decision={
            "year": {"clauses": ["贵阳 四(三)"]},
            "consequences": [{"label": "考核合格，继续支持", "clause": "贵阳 四(三)"}],
        },
    )
    client.force_login(guiyang_money["admin"])
    response = client.get(reverse("reports:document", args=["evaluation_notice", ev.pk]))
    assert response.status_code == 200
    text = flat(response.content)
    assert f"{this_year}年度考核结果通知" in text
    assert (
        "86.5分" in text
        and "合格" in text
        and "考核合格，继续支持（依据《“科创中国”贵阳学会产业科技服务工作站建设方案（试行）》第四条第（三）款）"
        in text
    )
    ev.status = StationEvaluation.Status.SCORED
    ev.save()
    assert (
        client.get(reverse("reports:document", args=["evaluation_notice", ev.pk])).status_code
        == 409
    )


@pytest.fixture
def yiyang_apps():
    c = city("yiyang")
    admin = UserFactory(role=Role.CITY_ADMIN, city=c)
    call = Call.objects.create(
        city=c,
        program="station",
        title="2026年学会服务站申报",
        opens_on=dt.date(2026, 1, 1),
        closes_on=dt.date(2026, 12, 31),
        created_by=admin,
    )
    apps = []
    for n, level in enumerate([Level.PROVINCIAL, Level.CITY]):
        society = SocietyFactory(city=c, level=level, name=f"益阳申报学会{n}")
        apps.append(
            Application.objects.create(
                city=c,
                call=call,
                program="station",
                level=level,
                title=f"益阳申报服务站{n}",
                society=society,
                host_unit=HostUnitFactory(city=c),
                stage="public_notice",
                form_data={
                    "title": f"益阳申报服务站{n}",
                    "level": level,
                    "unit_name": "益阳某某科技有限公司",
                    "legal_rep": "李四",
                    "unit_nature": "enterprise_cast",
                    "key_industry": "新材料",
                    "purpose_plan": "建站目的：服务新材料产业。\n工作计划：每季度专家到站。",
                },
            )
        )
    return {"city": c, "admin": admin, "apps": apps}


def test_public_notice_list_pdf(client, yiyang_apps):
    notice = PublicNotice.objects.create(
        city=yiyang_apps["city"],
        title="关于2026年益阳市学会服务站认定名单的公示",
        body="经审核，拟认定以下学会服务站，现予公示。",
        start_on=dt.date(2026, 6, 1),
        end_on=dt.date(2026, 6, 5),
        workdays=5,
        clause="益阳 第八条",
        published_by=yiyang_apps["admin"],
    )
    notice.applications.set(yiyang_apps["apps"])
    client.force_login(yiyang_apps["admin"])
    response = client.get(reverse("reports:document", args=["public_notice", notice.pk]))
    assert response.status_code == 200
    text = flat(response.content)
    assert "关于2026年益阳市学会服务站认定名单的公示" in text
    assert "益阳申报服务站0" in text and "益阳申报服务站1" in text
    assert "2026年6月1日至2026年6月5日（5个工作日）" in text
    assert "共2项" in text


def test_yiyang_application_form_printout(client, yiyang_apps):
    app = yiyang_apps["apps"][0]
    client.force_login(yiyang_apps["admin"])
    response = client.get(reverse("reports:document", args=["application_form", app.pk]))
    assert response.status_code == 200
    text = flat(response.content)
    assert "益阳市重点产业领域学会服务站申报书" in text
    assert "益阳某某科技有限公司" in text and "企业科协" in text and "新材料" in text
    assert "县市区委人才办意见" in text
    save_artifact("reports-application-yiyang", response.content)


def test_guiyang_application_form_with_budget_table_and_masked_account(client, guiyang_money):
    c = guiyang_money["city"]
    admin = guiyang_money["admin"]
    call = Call.objects.create(
        city=c,
        program="station",
        title="贵阳工作站申报",
        opens_on=dt.date(2026, 1, 1),
        closes_on=dt.date(2026, 12, 31),
        created_by=admin,
    )
    society = SocietyFactory(city=c, name="贵阳申报学会")
    app = Application.objects.create(
        city=c,
        call=call,
        program="station",
        level=Level.NATIONAL,
        title="贵阳磷化工学会产业科技服务工作站",
        society=society,
        form_data={
            "industry": "磷化工制造",
            "society_head": "王五",
            "bank_account_name": "贵阳申报学会",
            "bank_name": "中国银行贵阳分行",
            "bank_account_no": "6222020200009876543",
            "budget": [
                {
                    "category": "专家咨询费",
                    "content": "专家到站咨询",
                    "amount": "60000.00",
                    "basis": "20人次",
                },
                {"category": "培训费", "content": "技术培训", "amount": "40000", "basis": "4期"},
            ],
        },
    )
    client.force_login(admin)
    response = client.get(reverse("reports:document", args=["application_form", app.pk]))
    assert response.status_code == 200
    text = flat(response.content)
    assert "科创中国”贵阳学会产业科技服务工作站申报书" in text
    assert "四、经费支出预算" in text and "￥100,000.00" in text and "壹拾万元整" in text
    assert "6222020200009876543" not in text and "***************6543" in text
    assert "磷化工制造" in text
    save_artifact("reports-application-guiyang", response.content)
    # The society's own staff see their account in full.
    client.force_login(UserFactory(role=Role.SOCIETY_STAFF, society=society))
    response = client.get(reverse("reports:document", args=["application_form", app.pk]))
    assert "6222020200009876543" in flat(response.content)


def test_cn_date():
    assert documents.cn_date(dt.date(2025, 10, 21)) == "二〇二五年十月二十一日"
    assert documents.cn_date(dt.date(2030, 1, 10)) == "二〇三〇年一月十日"
