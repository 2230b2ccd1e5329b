"""Browser pages of the stations app: scoping, edit rights, validation, query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import assign_perm

from accounts.models import AuditEvent
from accounts.roles import Role
from stations.choices import StationStatus
from stations.models import ActivityRecord, HostUnit, Society, Station, StationStatusChange
from tests.factories import (
    ActivityRecordFactory,
    ExpertFactory,
    HostUnitFactory,
    SocietyFactory,
    StationExpertFactory,
    StationFactory,
    make_credit_code,
)

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"stations:{name}", args=args)


@pytest.fixture
def hz_station(hangzhou):
    return StationFactory(city=hangzhou)


@pytest.fixture
def expert_reviewer(make_user, shenyang):
    return make_user(Role.EXPERT_REVIEWER, expert=ExpertFactory(city=shenyang))


def listed(response, obj) -> bool:
    return obj.name in response.content.decode()


# --- scoping on lists and details ----------------------------------------------------------


class TestStationScoping:
    def test_society_staff_sees_own_station_and_404_for_another_society(
        self, personas, station, other_station, login
    ):
        client = login(personas["society"])
        response = client.get(url("station_list"))
        assert listed(response, station) and not listed(response, other_station)
        assert client.get(url("station_detail", station.pk)).status_code == 200
        assert client.get(url("station_detail", other_station.pk)).status_code == 404
        assert client.get(url("station_edit", other_station.pk)).status_code == 404
        assert client.get(url("activity_list", other_station.pk)).status_code == 404

    def test_hangzhou_admin_sees_no_shenyang_station(self, personas, station, hz_station, login):
        client = login(personas["hangzhou_admin"])
        response = client.get(url("station_list"))
        assert listed(response, hz_station) and not listed(response, station)
        assert client.get(url("station_detail", station.pk)).status_code == 404
        assert client.get(url("station_edit", station.pk)).status_code == 404
        assert client.post(url("station_edit", station.pk), {}).status_code == 404

    def test_missing_and_forbidden_answer_the_same_404(self, personas, station, login):
        client = login(personas["hangzhou_admin"])
        forbidden = client.get(url("station_detail", station.pk))
        missing = client.get(url("station_detail", 999999))
        assert forbidden.status_code == missing.status_code == 404

    def test_county_reviewer_sees_only_their_district(
        self, personas, station, other_station, login
    ):
        client = login(personas["county"])
        response = client.get(url("station_list"))
        assert listed(response, station) and not listed(response, other_station)
        assert client.get(url("station_detail", other_station.pk)).status_code == 404

    def test_expert_reviewer_sees_only_assigned_stations(
        self, station, other_station, expert_reviewer, login
    ):
        assign_perm("stations.view_station", expert_reviewer, station)
        client = login(expert_reviewer)
        response = client.get(url("station_list"))
        assert listed(response, station) and not listed(response, other_station)
        assert client.get(url("station_detail", station.pk)).status_code == 200
        assert client.get(url("station_detail", other_station.pk)).status_code == 404

    def test_city_admin_sees_every_station_of_the_city(
        self, personas, station, other_station, hz_station, login
    ):
        response = login(personas["admin"]).get(url("station_list"))
        assert listed(response, station) and listed(response, other_station)
        assert not listed(response, hz_station)

    def test_anonymous_is_sent_to_login(self, client, station):
        response = client.get(url("station_detail", station.pk))
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


class TestSocietyScoping:
    def test_society_staff_sees_only_own_society(self, personas, station, other_station, login):
        client = login(personas["society"])
        response = client.get(url("society_list"))
        assert listed(response, station.society) and not listed(response, other_station.society)
        assert client.get(url("society_detail", station.society_id)).status_code == 200
        assert client.get(url("society_detail", other_station.society_id)).status_code == 404
        assert client.get(url("society_edit", other_station.society_id)).status_code == 404

    def test_hangzhou_admin_gets_404_for_shenyang_society(
        self, personas, station, hz_station, login
    ):
        client = login(personas["hangzhou_admin"])
        response = client.get(url("society_list"))
        assert listed(response, hz_station.society) and not listed(response, station.society)
        assert client.get(url("society_detail", station.society_id)).status_code == 404

    def test_county_reviewer_reads_the_city_directory(
        self, personas, station, other_station, login
    ):
        client = login(personas["county"])
        response = client.get(url("society_list"))
        assert listed(response, station.society) and listed(response, other_station.society)

    def test_society_detail_lists_only_visible_stations(self, personas, station, login, make_user):
        hidden = StationFactory(society=station.society, city=station.city)
        hidden.host_unit.district = station.city.districts.order_by("id")[4]
        hidden.host_unit.save()
        hidden.district = hidden.host_unit.district
        hidden.save()
        response = login(personas["county"]).get(url("society_detail", station.society_id))
        assert listed(response, station) and not listed(response, hidden)

    def test_host_staff_and_expert_reviewer_see_no_societies(
        self, personas, station, expert_reviewer, login
    ):
        for user in (personas["host"], expert_reviewer):
            client = login(user)
            assert not listed(client.get(url("society_list")), station.society)
            assert client.get(url("society_detail", station.society_id)).status_code == 404


class TestHostUnitScoping:
    def test_host_staff_sees_only_own_host_unit(self, personas, station, other_station, login):
        client = login(personas["host"])
        response = client.get(url("host_unit_list"))
        assert listed(response, station.host_unit)
        assert not listed(response, other_station.host_unit)
        assert client.get(url("host_unit_detail", other_station.host_unit_id)).status_code == 404

    def test_hangzhou_admin_gets_404_for_shenyang_host_unit(
        self, personas, station, hz_station, login
    ):
        client = login(personas["hangzhou_admin"])
        assert not listed(client.get(url("host_unit_list")), station.host_unit)
        assert client.get(url("host_unit_detail", station.host_unit_id)).status_code == 404

    def test_county_reviewer_sees_only_host_units_of_their_district(
        self, personas, station, other_station, login
    ):
        client = login(personas["county"])
        response = client.get(url("host_unit_list"))
        assert listed(response, station.host_unit)
        assert not listed(response, other_station.host_unit)
        assert client.get(url("host_unit_detail", other_station.host_unit_id)).status_code == 404


class TestExpertScoping:
    def test_society_staff_sees_experts_of_their_society_only(self, personas, station, login):
        own = ExpertFactory(society=station.society)
        other = ExpertFactory(society=SocietyFactory())
        client = login(personas["society"])
        response = client.get(url("expert_list"))
        assert own.name in response.content.decode()
        assert other.name not in response.content.decode()
        assert client.get(url("expert_detail", other.pk)).status_code == 404

    def test_hangzhou_admin_gets_404_for_shenyang_expert(self, personas, hangzhou, login):
        shenyang_expert = ExpertFactory()
        hz_expert = ExpertFactory(city=hangzhou, province="浙江省")
        client = login(personas["hangzhou_admin"])
        body = client.get(url("expert_list")).content.decode()
        assert hz_expert.name in body and shenyang_expert.name not in body
        assert client.get(url("expert_detail", shenyang_expert.pk)).status_code == 404

    def test_expert_reviewer_sees_own_profile_only(self, expert_reviewer, login):
        other = ExpertFactory()
        client = login(expert_reviewer)
        assert client.get(url("expert_detail", expert_reviewer.expert_id)).status_code == 200
        assert client.get(url("expert_detail", other.pk)).status_code == 404


# --- edit rights ---------------------------------------------------------------------------


class TestEditRights:
    @pytest.mark.parametrize("who", ["talent", "finance", "county", "society", "host"])
    def test_read_only_roles_get_403_on_station_edit(self, personas, station, login, who):
        client = login(personas[who])
        assert client.get(url("station_edit", station.pk)).status_code == 403
        assert client.post(url("station_edit", station.pk), {"name": "x"}).status_code == 403
        station.refresh_from_db()
        assert station.name != "x"

    def test_expert_reviewer_gets_403_on_assigned_station_edit(
        self, station, expert_reviewer, login
    ):
        assign_perm("stations.view_station", expert_reviewer, station)
        response = login(expert_reviewer).get(url("station_edit", station.pk))
        assert response.status_code == 403
        assert "服务站基本信息由市科协学会部管理员维护" in response.content.decode()

    @pytest.mark.parametrize("who", ["talent", "finance", "county"])
    def test_read_only_roles_get_403_on_society_host_unit_expert_edit(
        self, personas, station, login, who
    ):
        expert = ExpertFactory(society=station.society)
        client = login(personas[who])
        assert client.get(url("society_edit", station.society_id)).status_code == 403
        assert client.get(url("host_unit_edit", station.host_unit_id)).status_code == 403
        assert client.get(url("expert_edit", expert.pk)).status_code == 403

    def test_society_staff_403_on_expert_edit_of_own_society(self, personas, station, login):
        expert = ExpertFactory(society=station.society)
        assert login(personas["society"]).get(url("expert_edit", expert.pk)).status_code == 403

    @pytest.mark.parametrize("who", ["society", "host", "talent", "county"])
    def test_only_admins_may_create(self, personas, login, who):
        client = login(personas[who])
        for name in ("station_create", "society_create", "host_unit_create", "expert_create"):
            assert client.get(url(name)).status_code == 403

    def test_society_staff_edits_own_society_contacts_but_not_its_rating(
        self, personas, station, login
    ):
        client = login(personas["society"])
        page = client.get(url("society_edit", station.society_id))
        assert page.status_code == 200
        assert 'name="rating"' not in page.content.decode()
        response = client.post(
            url("society_edit", station.society_id),
            {
                "discipline": "机械工程",
                "contact_name": "李四",
                "contact_mobile": "13912345678",
                "postcode": "110001",
                "rating": "5A",
            },
        )
        assert response.status_code == 302
        society = Society.objects.get(pk=station.society_id)
        assert society.contact_mobile == "13912345678" and society.rating == "4A"
        event = AuditEvent.objects.get(event="society.updated")
        assert event.detail["after"]["contact_mobile"] == "13912345678"
        assert event.detail["before"]["contact_mobile"] == ""

    def test_host_staff_edits_own_host_unit(self, personas, station, login):
        client = login(personas["host"])
        response = client.post(
            url("host_unit_edit", station.host_unit_id),
            {"legal_rep": "王五", "bank_account_no": "6222020200112233", "postcode": "110000"},
        )
        assert response.status_code == 302
        assert HostUnit.objects.get(pk=station.host_unit_id).legal_rep == "王五"

    def test_city_admin_edits_station_with_audit(self, personas, station, login):
        client = login(personas["admin"])
        form = client.get(url("station_edit", station.pk)).context["form"]
        data = {k: v for k, v in form.initial.items() if k in form.fields and v is not None}
        data.update(name="沈阳新材料学会服务站", head_mobile="13700001111")
        response = client.post(url("station_edit", station.pk), data)
        assert response.status_code == 302, response.context["form"].errors
        station.refresh_from_db()
        assert station.name == "沈阳新材料学会服务站"
        event = AuditEvent.objects.get(event="station.updated")
        assert event.detail["after"]["name"] == "沈阳新材料学会服务站"
        assert event.user == personas["admin"]

    def test_city_admin_creates_station_with_first_history_row(self, personas, shenyang, login):
        society, host = SocietyFactory(), HostUnitFactory()
        client = login(personas["admin"])
        response = client.post(
            url("station_create"),
            {
                "name": "全国测试学会沈阳服务站",
                "society": society.pk,
                "host_unit": host.pk,
                "district": host.district_id,
                "level": "national",
                "program": "filing",
            },
        )
        assert response.status_code == 302, response.context["form"].errors
        created = Station.objects.get(name="全国测试学会沈阳服务站")
        assert created.city == shenyang and created.status == StationStatus.FILED
        assert created.status_changes.get().to_status == StationStatus.FILED

    def test_station_form_offers_only_own_city_societies(
        self, personas, station, hz_station, login
    ):
        form = login(personas["admin"]).get(url("station_edit", station.pk)).context["form"]
        assert hz_station.society not in form.fields["society"].queryset
        assert station.society in form.fields["society"].queryset

    def test_posting_another_citys_society_is_rejected(self, personas, station, hz_station, login):
        client = login(personas["admin"])
        form = client.get(url("station_edit", station.pk)).context["form"]
        data = {k: v for k, v in form.initial.items() if k in form.fields and v is not None}
        data["society"] = hz_station.society_id
        response = client.post(url("station_edit", station.pk), data)
        assert response.status_code == 200
        station.refresh_from_db()
        assert station.society_id != hz_station.society_id


# --- validation ----------------------------------------------------------------------------


class TestValidationMessages:
    def test_host_unit_errors_are_chinese_and_input_is_kept(self, personas, station, login):
        client = login(personas["admin"])
        bad = {
            "name": "输入保留测试有限公司",
            "nature": "enterprise",
            "credit_code": "91210100000000001X",
            "legal_rep": "赵六",
            "registered_city": "沈阳市",
            "contact_mobile": "1234",
            "postcode": "11000",
        }
        response = client.post(url("host_unit_edit", station.host_unit_id), bad)
        assert response.status_code == 200
        body = response.content.decode()
        assert "统一社会信用代码校验位不正确" in body or "不允许的字符" in body
        assert "请输入11位中国大陆手机号码" in body
        assert "邮政编码应为6位数字" in body
        for value in ("输入保留测试有限公司", "91210100000000001X", "1234", "11000"):
            assert f'value="{value}"' in body
        assert HostUnit.objects.get(pk=station.host_unit_id).name != "输入保留测试有限公司"

    def test_checksum_error_on_create(self, personas, login):
        valid = make_credit_code(424242)
        wrong_check = valid[:-1] + ("0" if valid[-1] != "0" else "1")
        response = login(personas["admin"]).post(
            url("host_unit_create"),
            {
                "name": "校验位测试公司",
                "nature": "enterprise",
                "credit_code": wrong_check,
                "legal_rep": "赵六",
                "registered_city": "沈阳市",
            },
        )
        assert response.status_code == 200
        assert "统一社会信用代码校验位不正确，请核对后重新输入。" in response.content.decode()
        assert not HostUnit.objects.filter(name="校验位测试公司").exists()

    def test_society_mobile_error_keeps_input(self, personas, station, login):
        response = login(personas["society"]).post(
            url("society_edit", station.society_id),
            {"discipline": "保留的专业", "contact_mobile": "02412345678"},
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert "请输入11位中国大陆手机号码" in body and 'value="保留的专业"' in body

    def test_station_term_end_before_start(self, personas, station, login):
        client = login(personas["admin"])
        form = client.get(url("station_edit", station.pk)).context["form"]
        data = {k: v for k, v in form.initial.items() if k in form.fields and v is not None}
        data.update(term_start="2025-01-01", term_end="2024-01-01", head_mobile="abc")
        body = client.post(url("station_edit", station.pk), data).content.decode()
        assert "协议期限止不能早于协议期限起" in body
        assert "请输入11位中国大陆手机号码" in body and 'value="abc"' in body


# --- activity records ----------------------------------------------------------------------


class TestActivityRecords:
    def test_society_staff_adds_record_to_own_station(self, personas, station, login):
        client = login(personas["society"])
        response = client.post(
            url("activity_create", station.pk),
            {
                "kind": "training",
                "date": "2025-04-01",
                "title": "数控培训",
                "quantity": 1,
                "trainees": 40,
            },
        )
        assert response.status_code == 302
        record = ActivityRecord.objects.get(title="数控培训")
        assert record.station == station and record.created_by == personas["society"]
        assert AuditEvent.objects.filter(event="activity_record.created").exists()

    def test_host_staff_edits_record_of_own_station(self, personas, station, login):
        record = ActivityRecordFactory(station=station, trainees=10)
        client = login(personas["host"])
        response = client.post(
            url("activity_edit", station.pk, record.pk),
            {
                "kind": "training",
                "date": "2025-05-10",
                "title": "改过的标题",
                "quantity": 2,
                "trainees": 12,
            },
        )
        assert response.status_code == 302
        record.refresh_from_db()
        assert record.title == "改过的标题" and record.trainees == 12

    def test_training_without_trainees_is_refused_in_chinese(self, personas, station, login):
        response = login(personas["society"]).post(
            url("activity_create", station.pk),
            {"kind": "training", "date": "2025-04-01", "title": "无人数培训", "quantity": 1},
        )
        body = response.content.decode()
        assert response.status_code == 200 and "技术培训须填写培训人数" in body
        assert 'value="无人数培训"' in body

    @pytest.mark.parametrize("who", ["talent", "finance", "county"])
    def test_read_only_roles_get_403(self, personas, station, login, who):
        record = ActivityRecordFactory(station=station)
        client = login(personas[who])
        assert client.get(url("activity_create", station.pk)).status_code == 403
        assert client.get(url("activity_edit", station.pk, record.pk)).status_code == 403

    def test_other_society_gets_404(self, personas, other_station, login):
        record = ActivityRecordFactory(station=other_station)
        client = login(personas["society"])
        assert client.get(url("activity_create", other_station.pk)).status_code == 404
        assert client.get(url("activity_edit", other_station.pk, record.pk)).status_code == 404

    def test_record_of_another_station_is_404_under_a_visible_station(
        self, personas, station, other_station, login
    ):
        record = ActivityRecordFactory(station=other_station)
        response = login(personas["admin"]).get(url("activity_edit", station.pk, record.pk))
        assert response.status_code == 404

    def test_evidence_upload_and_download(self, personas, station, login):
        from django.core.files.uploadedfile import SimpleUploadedFile

        client = login(personas["society"])
        upload = SimpleUploadedFile(
            "签到表.pdf", b"%PDF-1.4 test\n%%EOF\n", content_type="application/pdf"
        )
        client.post(
            url("activity_create", station.pk),
            {
                "kind": "survey",
                "date": "2025-04-01",
                "title": "调研",
                "quantity": 1,
                "evidence": upload,
            },
        )
        evidence = ActivityRecord.objects.get(title="调研").evidence.get()
        assert evidence.original_name == "签到表.pdf"
        download = url("evidence_download", station.pk, evidence.record_id, evidence.pk)
        response = client.get(download)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"%PDF-1.4 test\n%%EOF\n"
        assert login(personas["hangzhou_admin"]).get(download).status_code == 404

    def test_evidence_with_a_bad_type_is_refused(self, personas, station, login):
        from django.core.files.uploadedfile import SimpleUploadedFile

        response = login(personas["society"]).post(
            url("activity_create", station.pk),
            {
                "kind": "survey",
                "date": "2025-04-01",
                "title": "调研",
                "quantity": 1,
                "evidence": SimpleUploadedFile("x.exe", b"MZ"),
            },
        )
        assert "类型不符" in response.content.decode()
        assert not ActivityRecord.objects.filter(title="调研").exists()


# --- station status ------------------------------------------------------------------------


class TestStatusChange:
    def test_admin_changes_status_and_history_shows_it(self, personas, station, login):
        client = login(personas["admin"])
        response = client.post(
            url("station_set_status", station.pk),
            {"to_status": "rectification", "reason": "年度考核不合格", "clause": "沈阳 三(三)"},
        )
        assert response.status_code == 302
        station.refresh_from_db()
        assert station.status == StationStatus.RECTIFICATION
        change = StationStatusChange.objects.get(station=station)
        assert (change.from_status, change.clause) == ("certified", "沈阳 三(三)")
        page = client.get(url("station_detail", station.pk)).content.decode()
        assert "年度考核不合格" in page and "限期整改" in page

    def test_society_staff_cannot_change_status(self, personas, station, login):
        response = login(personas["society"]).post(
            url("station_set_status", station.pk), {"to_status": "revoked", "reason": "x"}
        )
        assert response.status_code == 403
        station.refresh_from_db()
        assert station.status == StationStatus.CERTIFIED

    def test_illegal_move_is_not_offered_nor_taken(self, personas, station, login):
        station.status = StationStatus.DELISTED
        station.save()
        client = login(personas["admin"])
        client.post(
            url("station_set_status", station.pk), {"to_status": "certified", "reason": "x"}
        )
        station.refresh_from_db()
        assert station.status == StationStatus.DELISTED


# --- lists: filters, search, sorting, pagination, dates ------------------------------------


class TestListFeatures:
    def test_filter_by_status_and_search(self, personas, station, other_station, login):
        other_station.status = StationStatus.FILED
        other_station.save()
        client = login(personas["admin"])
        response = client.get(url("station_list"), {"status": "filed"})
        assert listed(response, other_station) and not listed(response, station)
        response = client.get(url("station_list"), {"q": station.society.name})
        assert listed(response, station) and not listed(response, other_station)

    def test_district_filter_choices_are_city_scoped(self, personas, login):
        response = login(personas["admin"]).get(url("station_list"))
        choices = response.context["filter"].form.fields["district"].queryset
        assert {d.city.code for d in choices} == {"shenyang"}

    def test_unknown_sort_key_falls_back_to_default(self, personas, station, login):
        client = login(personas["admin"])
        for bad in ("password", "-society__users__password", "name; drop table", "-"):
            response = client.get(url("station_list"), {"sort": bad})
            assert response.status_code == 200 and response.context["current_sort"] == "name"

    def test_sort_descending_by_whitelisted_key(self, personas, shenyang, login):
        StationFactory(name="甲站"), StationFactory(name="乙站")
        response = login(personas["admin"]).get(url("station_list"), {"sort": "-name"})
        names = [s.name for s in response.context["rows"]]
        assert names == sorted(names, reverse=True)

    def test_pagination_25_per_page(self, personas, shenyang, login):
        StationFactory.create_batch(27)  # + the persona fixture station = 28
        client = login(personas["admin"])
        assert len(client.get(url("station_list")).context["rows"]) == 25
        assert len(client.get(url("station_list"), {"page": 2}).context["rows"]) == 3

    def test_dates_are_shown_in_chinese(self, personas, station, login):
        body = login(personas["admin"]).get(url("station_detail", station.pk)).content.decode()
        assert "2024年3月1日" in body and "2026年2月28日" in body


def _count_queries(client, path) -> int:
    from django.core.cache import cache

    cache.clear()  # the cold path (accounts.querycache would answer the dropdowns' queries)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _populate(kind: str, n: int, city):
    for _ in range(n):
        station = StationFactory(city=city)
        if kind == "experts":
            ExpertFactory(city=city, society=station.society)
        StationExpertFactory(station=station)
        ActivityRecordFactory(station=station)


@pytest.mark.parametrize("name", ["station_list", "society_list", "host_unit_list", "expert_list"])
def test_list_query_count_is_constant(personas, shenyang, login, name, every_list_counts):
    client = login(personas["admin"])
    _populate("experts", 4, shenyang)  # 5 rows with the fixture station
    few = _count_queries(client, url(name))
    _populate("experts", 25, shenyang)  # 30 rows
    many = _count_queries(client, url(name))
    assert few == many


def test_activity_list_query_count_is_constant(personas, station, login, every_list_counts):
    client = login(personas["admin"])
    ActivityRecordFactory.create_batch(5, station=station, created_by=personas["society"])
    few = _count_queries(client, url("activity_list", station.pk))
    ActivityRecordFactory.create_batch(25, station=station, created_by=personas["host"])
    many = _count_queries(client, url("activity_list", station.pk))
    assert few == many


def test_detail_pages_render_for_every_role(personas, station, login):
    StationExpertFactory(station=station)
    ActivityRecordFactory(station=station)
    for who in ("admin", "society", "host", "county", "talent", "finance", "super"):
        client = login(personas[who])
        response = client.get(url("station_detail", station.pk))
        assert response.status_code == 200, who
        assert "专家团队" in response.content.decode()


def test_station_list_reads_only_the_columns_it_prints(personas, station, login):
    """One row query for the page, naming what a row prints (and the keys that join it):
    no address, contact, bank account or JSON column of the station or its society/unit."""
    from django.core.cache import cache

    cache.clear()
    client = login(personas["admin"])
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url("station_list"))
    assert response.status_code == 200 and station.name in response.content.decode()
    (rows_sql,) = [
        q["sql"] for q in ctx.captured_queries if 'FROM "stations_station" INNER JOIN' in q["sql"]
    ]
    columns = rows_sql.split(" FROM ")[0]
    for shown in (
        '"stations_station"."name"',
        '"stations_society"."name"',
        '"stations_hostunit"."name"',
        '"stations_city"."policy_code"',
    ):
        assert shown in columns
    for hidden in (
        '"stations_station"."head_name"',
        '"stations_station"."address"',
        "bank_account_no",
        '"stations_society"."duties"',
        '"stations_hostunit"."address"',
    ):
        assert hidden not in columns
