"""What the application knew, the station keeps (issue 15): filing/certification writes the
agreement, head, staff and expert team onto the station; the next application of the
station starts from it, with the agreement scan reused."""

import datetime as dt

import pytest

from accounts.models import AuditEvent
from applications import services
from applications.models import AttachmentKind
from applications.station_record import known_form_data, parse_staff
from stations.models import Expert

from .cities import Shenyang


@pytest.fixture
def shenyang(db):
    return Shenyang()


def _filed(w, **extra):
    staff, society = w.new_host()
    extra.setdefault("staff_members", "王联络，联络员，13900139000\n赵秘书，秘书")
    app = w.filed(staff, society, **extra)
    app.station.refresh_from_db()
    return staff, app


def test_filing_writes_agreement_head_staff_and_team_onto_the_station(shenyang):
    library = shenyang.experts[0]
    typed = f"{library.name}，{library.province}\n新专家甲，北京市"
    _staff, app = _filed(shenyang, experts=typed)
    station = app.station
    assert station.agreement_signed_on == dt.date(2026, 3, 1)
    assert (station.term_start, station.term_end) == (dt.date(2026, 3, 1), dt.date(2028, 2, 29))
    assert station.head_name == "李站长"
    staff = {(s.name, s.position, s.mobile) for s in station.staff.all()}
    assert staff == {
        ("李站长", "站长", ""),
        ("王联络", "联络员", "13900139000"),
        ("赵秘书", "秘书", ""),
    }
    team = {m.expert for m in station.team.all()}
    assert library in team  # matched to the library record, not duplicated
    added = Expert.objects.get(city=shenyang.city, name="新专家甲")
    assert added in team and added.province == "北京市" and not added.is_reviewer
    events = set(
        AuditEvent.objects.filter(object_id=str(station.pk)).values_list("event", flat=True)
    )
    assert {"station.updated", "station.staff_added", "station.team_member_added"} <= events


def test_key_support_after_filing_starts_from_what_is_known(shenyang):
    staff, filing = _filed(shenyang)
    station = filing.station
    app = services.application_create(call=shenyang.call, actor=staff, station=station)
    data = app.form_data
    assert data["title"] == station.name
    assert (data["agreement_signed_on"], data["term_start"], data["term_end"]) == (
        "2026-03-01",
        "2026-03-01",
        "2028-02-29",
    )
    assert data["head_name"] == "李站长"
    assert "王联络，联络员，13900139000" in data["staff_members"]
    assert data["experts"].count("\n") == 4  # the five experts of the filing
    # The rest of the filing's 申报书 (same form fields) comes along too.
    assert data["funding"] == filing.form_data["funding"]
    assert data["tasks"] == ["talent", "breakthrough"]
    # The agreement scan is copied, not re-uploaded (and not shared with the filing).
    (agreement,) = app.attachments.filter(kind=AttachmentKind.AGREEMENT)
    source = filing.attachments.get(kind=AttachmentKind.AGREEMENT)
    assert agreement.file.name != source.file.name
    assert agreement.original_name == source.original_name
    event = AuditEvent.objects.get(event="application.prefilled_from_station")
    assert event.detail["from_application"] == filing.pk
    assert AuditEvent.objects.filter(event="application.attachment_reused").count() == 1


def test_the_prefilled_key_support_application_can_be_submitted(shenyang):
    staff, filing = _filed(shenyang)
    app = services.application_create(call=shenyang.call, actor=staff, station=filing.station)
    data = {**app.form_data, "achievements": "引进专家12人。", "next_plan": "技术攻关3项。"}
    data["level"] = "national"
    app = services.application_save_draft(application=app, actor=staff, data=data)
    shenyang.act(app, "submit", staff)
    assert app.stage == "investigation", app.findings


def test_known_form_data_of_a_station_without_applications(shenyang):
    staff, filing = _filed(shenyang)
    known = known_form_data(filing.station)
    assert known["head_name"] == "李站长" and known["staff_count"] == "3"


def test_parse_staff_keeps_only_a_valid_mobile():
    assert parse_staff("甲，联络员，12345\n乙\n\n") == [
        {"name": "甲", "position": "联络员", "mobile": ""},
        {"name": "乙", "position": "工作人员", "mobile": ""},
    ]


def test_key_support_moves_the_station_to_the_key_support_program(shenyang):
    staff, filing = _filed(shenyang)
    station = filing.station
    assert station.program == "filing"
    app = shenyang.key_support(staff, station, discipline=station.discipline or "x")
    shenyang.act(app, "approve")
    shenyang.score_all(app, [90, 88, 86], experts=shenyang.experts[:3])
    shenyang.act(app, "approve")
    shenyang.act(app, "approve")
    assert app.outcome == "certified"
    station.refresh_from_db()
    assert (station.status, station.program) == ("key_supported", "key_support")


def test_an_award_of_a_society_with_a_station_is_not_named_after_it(world):
    app = services.application_create(call=world.call, actor=world.staff, station=world.station)
    assert app.title != world.station.name
    assert "title" not in app.form_data
