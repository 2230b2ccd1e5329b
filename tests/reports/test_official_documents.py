"""Official documents as a 科协 issues them: 红头 and 文号, policy cited by title and article,
one-page certificates, the seed forms of Yiyang and Guiyang field for field, rare characters.

Each PDF is rendered through its page, saved with a PNG of its first page under artifacts/,
and its text read back with pypdf; WeasyPrint's missing-glyph warnings fail the test.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.roles import Role
from applications.models import Application, Call, PublicNotice
from evaluations.models import EvaluationRound, StationEvaluation
from reports.models import DocumentNumber
from reports.services import document_number_assign
from stations.choices import Level, StationStatus
from tests.factories import HostUnitFactory, SocietyFactory, StationFactory, UserFactory, city

from .helpers import pdf_pages, pdf_text, save_artifact

pytestmark = pytest.mark.django_db

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
INTERNAL_CLAUSE = re.compile(r"(沈阳|益阳|贵阳|杭州|连云港) ?[一二三四五六七八九十]+\(")
RARE = "䶮𠇔𫖯𬌗"


def flat(pdf: bytes) -> str:
    return re.sub(r"\s+", "", pdf_text(pdf))


@pytest.fixture
def render(client, caplog):
    """GET a document as `user`, keep it in artifacts/, fail on any missing glyph."""

    def go(user, kind: str, pk: int, artifact: str | None = None) -> bytes:
        client.force_login(user)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="weasyprint"):
            response = client.get(reverse("reports:document", args=[kind, pk]))
        assert response.status_code == 200, response.content[:500]
        missing = [r.getMessage() for r in caplog.records if ".notdef" in r.getMessage()]
        assert not missing, missing
        if artifact:
            png = save_artifact(artifact, response.content).with_suffix(".png")
            assert png.exists() and png.stat().st_size > 1000
        return response.content

    return go


def assert_official(text: str) -> None:
    assert not ISO_DATE.search(text), ISO_DATE.search(text)
    assert not INTERNAL_CLAUSE.search(text), INTERNAL_CLAUSE.search(text)
    for internal in ("待财务审核拨付", "经办人", "审核人（签字）"):
        assert internal not in text


# --- certificate ---------------------------------------------------------------------------


def certified_station(c, **kw):
    return StationFactory(
        city=c,
        status=kw.pop("status", StationStatus.CERTIFIED),
        certified_on=kw.pop("certified_on", dt.date(2025, 8, 26)),
        term_start=dt.date(2025, 8, 26),
        term_end=dt.date(2028, 8, 25),
        **kw,
    )


@pytest.mark.parametrize(
    "name",
    [
        "全国测试学会沈阳服务站",
        "全国机械工程学会智能制造与工业互联网专业委员会沈阳市浑南区高新技术产业开发区学会服务站"
        * 2,
    ],
    ids=["short", "very-long-name"],
)
def test_certificate_is_one_page_with_issuer_number_and_chinese_date(render, shenyang, name):
    station = certified_station(shenyang, name=name)
    admin = UserFactory(role=Role.CITY_ADMIN, city=shenyang)
    pdf = render(admin, "certificate", station.pk, "doc-certificate" if len(name) < 20 else None)
    assert pdf_pages(pdf) == 1
    text = flat(pdf)
    assert name in text and "沈阳市科学技术协会" in text
    assert "二〇二五年八月二十六日" in text  # one date style on a certificate
    assert "二〇二八年八月二十五日" in text
    number = DocumentNumber.objects.get(
        kind="certificate", object_key=f"stations.station:{station.pk}"
    )
    assert number.number == "沈科协发〔2025〕1号" and number.number in text
    assert "第1页" not in text and "共1页" not in text  # no page number
    assert_official(text)


@pytest.mark.parametrize("status", [StationStatus.RECTIFICATION, StationStatus.SUSPENDED])
def test_no_certificate_for_a_suspended_or_rectifying_station(client, shenyang, status):
    station = certified_station(shenyang, status=status)
    client.force_login(UserFactory(role=Role.CITY_ADMIN, city=shenyang))
    response = client.get(reverse("reports:document", args=["certificate", station.pk]))
    assert response.status_code == 409
    assert not DocumentNumber.objects.exists()


def test_rare_name_characters_print_without_missing_glyphs(render, shenyang):
    society = SocietyFactory(city=shenyang, name=f"沈阳市{RARE}学会")
    station = certified_station(shenyang, name=f"全国{RARE}学会沈阳服务站", society=society)
    pdf = render(
        UserFactory(role=Role.CITY_ADMIN, city=shenyang),
        "certificate",
        station.pk,
        "doc-rare-characters",
    )
    text = flat(pdf)
    for ch in RARE:
        assert ch in text


def test_the_glyph_check_would_catch_a_character_no_font_has(caplog):
    """The check above is real: a codepoint no installed font covers is logged by WeasyPrint."""
    from reports.pdf import render_pdf

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        render_pdf("reports/pdf/base.html", {"title": "\U000f0001"})  # private use, plane 15
        from weasyprint import HTML

        HTML(string="<p>\U000f0001</p>").write_pdf()
    assert any(".notdef" in r.getMessage() for r in caplog.records)


# --- numbering -----------------------------------------------------------------------------


def test_numbers_are_per_city_and_year_assigned_once_and_audited(shenyang):
    yiyang = city("yiyang")
    admin = UserFactory(role=Role.CITY_ADMIN, city=shenyang)
    a, b = certified_station(shenyang), certified_station(shenyang)
    other = certified_station(yiyang)
    first = document_number_assign(kind="certificate", obj=a, city=shenyang, year=2026, actor=admin)
    again = document_number_assign(kind="certificate", obj=a, city=shenyang, year=2026, actor=admin)
    second = document_number_assign(
        kind="certificate", obj=b, city=shenyang, year=2026, actor=admin
    )
    next_year = document_number_assign(
        kind="certificate", obj=b, city=shenyang, year=2027, actor=admin
    )
    theirs = document_number_assign(
        kind="certificate", obj=other, city=yiyang, year=2026, actor=admin
    )
    assert (first.number, again.number, second.number) == (
        "沈科协发〔2026〕1号",
        "沈科协发〔2026〕1号",
        "沈科协发〔2026〕2号",
    )
    assert next_year.number == "沈科协发〔2026〕2号"  # already numbered: the year does not matter
    assert theirs.number == "益科协〔2026〕1号"
    events = AuditEvent.objects.filter(event="reports.document_numbered")
    assert events.count() == 3
    assert {e.detail["number"] for e in events} == {
        "沈科协发〔2026〕1号",
        "沈科协发〔2026〕2号",
        "益科协〔2026〕1号",
    }


def test_prefix_is_configurable(settings, shenyang):
    settings.DOCUMENT_NUMBER_PREFIXES = {"shenyang": "沈科协字"}
    station = certified_station(shenyang)
    number = document_number_assign(kind="certificate", obj=station, city=shenyang, year=2026)
    assert number.number == "沈科协字〔2026〕1号"


# --- evaluation result notice --------------------------------------------------------------


def test_evaluation_notice_has_redhead_number_and_cites_the_policy(
    render, guiyang_money, this_year
):
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
        final_score="72.0",
        grade="qualified",
        rectification_deadline=dt.date(this_year, 12, 31),
        confirmed_by=guiyang_money["admin"],
        confirmed_at=timezone.now(),
        decision={
            "year": {"clauses": ["贵阳 四(三)"]},
            "consequences": [
                {
                    "label": f"拨付{this_year}年度资助 50,000 元（待财务审核拨付）",
                    "clause": "贵阳 四(四)2",
                }
            ],
        },
    )
    pdf = render(guiyang_money["admin"], "evaluation_notice", ev.pk, "doc-evaluation-notice")
    text = flat(pdf)
    assert text.startswith("贵阳市科学技术协会筑科协〔")
    number = DocumentNumber.objects.get(kind="evaluation_notice")
    assert number.number in text and number.city.code == "guiyang"
    assert "《“科创中国”贵阳学会产业科技服务工作站建设方案（试行）》第四条第（三）款" in text
    assert "第四条第（四）款第2项" in text
    assert f"拨付{this_year}年度资助50,000元" in text
    assert f"{this_year}年12月31日" in text
    assert_official(text)


# --- public notice -------------------------------------------------------------------------


@pytest.fixture
def yiyang_apps():
    c = city("yiyang")
    admin = UserFactory(
        role=Role.CITY_ADMIN, city=c, full_name="赵六", mobile="13907370000", email="xhb@example.cn"
    )
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
        host = HostUnitFactory(city=c, name=f"益阳某某科技有限公司{n}")
        apps.append(
            Application.objects.create(
                city=c,
                call=call,
                program="station",
                level=level,
                title=f"益阳申报服务站{n}",
                society=society,
                host_unit=host,
                stage="public_notice",
                submitted_at=timezone.make_aware(dt.datetime(2026, 3, 2, 10)),
                form_data={
                    "unit_name": host.name,
                    "legal_rep": "李四",
                    "address": "益阳市赫山区某路1号",
                    "postcode": "413000",
                    "contact_name": "钱七",
                    "contact_phone": "0737-1234567",
                    "contact_mobile": "13900000001",
                    "fax": "0737-7654321",
                    "email": "unit@example.cn",
                    "qq_wechat": "12345",
                    "unit_nature": "enterprise_cast",
                    "key_industry": "新材料",
                    "unit_profile": "规模以上企业。",
                    "industry_profile": "新材料产业。",
                    "society_name": society.name,
                    "society_legal_rep": "孙八",
                    "society_title": "理事长",
                    "society_legal_rep_mobile": "13900000002",
                    "society_address": "益阳市资阳区某路2号",
                    "society_postcode": "413001",
                    "society_contact": "周九",
                    "society_contact_title": "秘书长",
                    "society_mobile": "13900000003",
                    "society_phone_fax": "0737-2222222",
                    "society_qq": "67890",
                    "society_wechat": "yyxh2026",
                    "society_email": "soc@example.cn",
                    "society_activities": "学术交流。",
                    "purpose_plan": "建站目的：服务新材料产业。\n工作计划：每季度专家到站。",
                },
            )
        )
    return {"city": c, "admin": admin, "apps": apps}


def test_public_notice_has_redhead_contact_and_a_numbered_list(render, yiyang_apps):
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
    pdf = render(yiyang_apps["admin"], "public_notice", notice.pk, "doc-public-notice")
    raw = pdf_text(pdf)
    text = flat(pdf)
    assert text.startswith("益阳市科学技术协会益科协〔2026〕1号")
    assert "2026年6月1日至2026年6月5日（5个工作日）" in text
    assert "《益阳市重点产业领域学会服务站建设管理办法（试行）》第八条" in text
    assert "序号" in raw  # the header does not wrap one character per line
    assert "联系电话13907370000" in text and "电子邮箱xhb@example.cn" in text
    assert "通讯地址" in text and "联系人赵六" in text
    assert_official(text)


def test_public_notice_contact_comes_from_settings_when_configured(render, yiyang_apps, settings):
    settings.CITY_OFFICE_CONTACTS = {
        "yiyang": {
            "office": "益阳市科协学会学术部",
            "phone": "0737-4220000",
            "address": "益阳市某某路",
            "email": "kx@example.cn",
        }
    }
    notice = PublicNotice.objects.create(
        city=yiyang_apps["city"],
        title="公示",
        start_on=dt.date(2026, 6, 1),
        end_on=dt.date(2026, 6, 5),
        workdays=5,
        published_by=yiyang_apps["admin"],
    )
    text = flat(render(yiyang_apps["admin"], "public_notice", notice.pk))
    assert (
        "向益阳市科协学会学术部反映" in text and "0737-4220000" in text and "益阳市某某路" in text
    )


# --- 申报书 --------------------------------------------------------------------------------


def test_yiyang_application_form_matches_the_seed_form(render, yiyang_apps):
    app = yiyang_apps["apps"][0]
    pdf = render(yiyang_apps["admin"], "application_form", app.pk, "doc-application-yiyang")
    text = flat(pdf)
    cover = flat_page(pdf, 0)
    for label in (
        "学会服务站名称：",
        "申报单位名称（盖章）：",
        "法定代表人（签章）：",
        "申报日期：",
        "益阳市科学技术协会制",
    ):
        assert label in cover
    assert "申报单位名称（盖章）：益阳某某科技有限公司0" in cover  # the host unit applies
    assert "申报日期：2026年3月2日" in cover
    # Every option printed, the chosen one ticked.
    assert "☑企业科协" in text and "□市县级科协" in text and "□园区科协" in text
    assert "☑新材料" in text and "□现代农业" in text and "□其他" in text
    assert "☑省级学会服务站" in text and "□国家级学会服务站" in text and "□市级学会服务站" in text
    for pair in (
        "法人代表孙八职务理事长手机13900000002",
        "邮编413001",
        "联系人周九职务秘书长手机13900000003",
        "电话传真0737-2222222QQ67890",
        "电子邮件soc@example.cn微信yyxh2026",
        "传真0737-7654321",
    ):
        assert pair in text, pair
    for box in ("申报单位意见", "县市区科协意见", "县市区委人才办意见", "市科协意见"):
        assert box in text
    assert_official(text)


def flat_page(pdf: bytes, index: int) -> str:
    import io

    from pypdf import PdfReader

    return re.sub(r"\s+", "", PdfReader(io.BytesIO(pdf)).pages[index].extract_text() or "")


def test_guiyang_application_form_matches_the_seed_form(render, guiyang_money):
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
            "society_head_title": "理事长",
            "society_contact": "钱七",
            "society_phone": "0851-1234567",
            "society_address": "贵阳市观山湖区某路1号 550081",
            "service_content": "服务磷化工企业。",
            "phases": "2026年1-3月，筹备",
            "bank_account_name": "贵阳申报学会",
            "bank_name": "中国银行贵阳分行",
            "bank_account_no": "6222020200009876543",
            "finance_head": "郑十",
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
    pdf = render(admin, "application_form", app.pk, "doc-application-guiyang")
    text = flat(pdf)
    cover = flat_page(pdf, 0)
    assert "服务工作站名称：贵阳磷化工学会产业科技服务工作站" in cover
    assert "申请单位：贵阳申报学会" in cover and "贵阳市科学技术协会制" in cover
    assert "填写说明" in flat_page(pdf, 1) and "报送一式3份" in text
    for heading in (
        "一、“科创中国”贵阳学会产业科技服务工作站申请单位基本情况",
        "二、“科创中国”贵阳学会产业科技服务工作站概况",
        "三、实施步骤",
        "四、经费支出预算",
        "五、项目申报方（乙方）审核意见",
        "六、监管单位（贵阳市科协）审核意见",
        "七、共同条款",
    ):
        assert heading in text, heading
    assert "60,000.00" in text and "40,000.00" in text
    assert "￥100,000.00（人民币大写：壹拾万元整）" in text
    assert "100000.00" not in text
    for line in (
        "单位负责人（签名）：",
        "单位公章：",
        "财务负责人（签名）：",
        "单位财务章：",
        "监管单位审查意见：",
        "负责人：",
    ):
        assert line in text, line
    assert "6.本项目任务书正式文本一式叁份" in text
    assert "6222020200009876543" not in text and "6543" in text  # masked for the city admin
    assert "磷化工制造" in text
    assert_official(text)
