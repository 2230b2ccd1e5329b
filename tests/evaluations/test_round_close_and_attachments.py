"""Closing a round (absent stations recorded) and downloading self-report attachments."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.roles import Role
from evaluations import services
from evaluations.models import EvaluationAttachment, StationEvaluation
from funding import services as fund
from tests.factories import UserFactory
from tests.funding.cycle import evaluate_year, make_station, people
from tests.security.upload_corpus import PNG

pytestmark = pytest.mark.django_db
E = StationEvaluation.Status


def two_stations(city_code="guiyang", level="city", program="station", year=2024):
    first = make_station(city_code, level=level, program=program)
    who = people(first)
    second = make_station(city_code, level=level, program=program)
    grants = [
        fund.grant_create(station=s, program=program, start_year=year, actor=who["admin"])
        for s in (first, second)
    ]
    return grants, who


def test_close_waits_for_submitted_evaluations_then_records_absent_stations():
    (done, absent), who = two_stations()
    evaluate_year(done, 2024, 80, who)  # opens the round; the other station never reports
    rnd = StationEvaluation.objects.get(grant=done).round
    missing = StationEvaluation.objects.get(grant=absent)
    services.evaluation_submit(
        evaluation=missing, actor=people(absent.station)["society"], summary="迟交"
    )
    with pytest.raises(ValidationError, match="未确认"):
        services.round_close(round=rnd, actor=who["admin"])
    # Back to pending to model the station that never reported.
    StationEvaluation.objects.filter(pk=missing.pk).update(
        status=E.PENDING, submitted_at=None, submitted_by=None
    )
    services.round_close(round=rnd, actor=who["admin"])
    rnd.refresh_from_db()
    missing.refresh_from_db()
    assert rnd.status == rnd.Status.CLOSED and rnd.closed_by == who["admin"]
    assert missing.status == E.ABSENT
    event = AuditEvent.objects.get(event="evaluations.round_closed")
    assert event.detail["absent"] == [absent.station_id] and event.clause == "贵阳 四(三)3"
    with pytest.raises(ValidationError, match="已结束"):
        services.evaluation_submit(evaluation=missing, actor=who["admin"], summary="补交")
    with pytest.raises(ValidationError, match="已经结束"):
        services.round_close(round=rnd, actor=who["admin"])


def test_absent_year_does_not_block_the_next_years_confirmation():
    station = make_station("guiyang", level="city", program="station")
    who = people(station)
    grant = fund.grant_create(
        station=station, program="station", start_year=2024, actor=who["admin"]
    )
    rnd = services.round_open(
        city=station.city,
        year=2024,
        due_date=timezone.localdate() + dt.timedelta(days=5),
        actor=who["admin"],
    )
    services.round_close(round=rnd, actor=who["admin"])
    ev = evaluate_year(grant, 2025, 70, who)
    assert ev.status == E.CONFIRMED and ev.grade == "qualified"


def test_round_close_view_is_for_the_city_admin(client):
    (grant, _), who = two_stations()
    rnd = services.round_open(
        city=grant.station.city,
        year=2024,
        due_date=timezone.localdate() + dt.timedelta(days=5),
        actor=who["admin"],
    )
    client.force_login(who["finance"])
    assert client.post(f"/evaluations/rounds/{rnd.pk}/close/").status_code == 403
    client.force_login(who["admin"])
    page = client.get(f"/evaluations/rounds/{rnd.pk}/").content.decode()
    assert 'data-testid="round-close"' in page and "<script>" not in page
    response = client.post(f"/evaluations/rounds/{rnd.pk}/close/", follow=True)
    assert "未参加考核" in response.content.decode()
    assert StationEvaluation.objects.filter(round=rnd, status=E.ABSENT).count() == 2


def test_attachment_is_checked_by_content_and_downloaded_as_attachment(client):
    (grant, _), who = two_stations("shenyang", "national", "key_support")
    rnd = services.round_open(
        city=grant.station.city,
        year=2024,
        due_date=timezone.localdate() + dt.timedelta(days=5),
        actor=who["admin"],
    )
    ev = rnd.evaluations.get(grant=grant)
    client.force_login(who["society"])
    fake = SimpleUploadedFile("照片.png", b"<html><script>alert(1)</script>", "image/png")
    page = client.post(f"/evaluations/{ev.pk}/attach/", {"file": fake}, follow=True)
    assert "类型不符" in page.content.decode()
    photo = SimpleUploadedFile("现场照片.png", PNG, "image/png")
    client.post(f"/evaluations/{ev.pk}/attach/", {"file": photo})
    att = EvaluationAttachment.objects.get()
    assert att.content_type == "image/png" and "现场照片" not in att.file.name
    url = f"/evaluations/{ev.pk}/attachments/{att.pk}/"
    assert url in client.get(f"/evaluations/{ev.pk}/").content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PNG
    # Another society's staff, and another city's admin: the same 404 as a missing file.
    other = make_station("shenyang", level="national", program="filing")
    client.force_login(UserFactory(role=Role.SOCIETY_STAFF, society=other.society))
    assert client.get(url).status_code == 404
    client.force_login(who["admin"])
    assert client.get(f"/evaluations/{ev.pk}/attachments/{att.pk + 1}/").status_code == 404
