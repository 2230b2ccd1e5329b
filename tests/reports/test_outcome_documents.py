"""The official document speaks the program's language (issue 15, Program.outcome): a 杭州
research topic gets a 立项通知 with its 立项编号, a 连云港 award a 表彰证书 with its 表彰文号
(a commended station's certificate says 表彰 too), a station elsewhere its 证书 and plaque."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from applications import services
from reports.documents import document_links
from tests.applications.conftest import (  # noqa: F401 (the pinned day is autouse)
    World,
    on_day,
    pinned_application_day,
)
from tests.funding.test_stationless_grants import award, hangzhou_topic

from .helpers import pdf_text

pytestmark = pytest.mark.django_db


def flat(pdf: bytes) -> str:
    return re.sub(r"\s+", "", pdf_text(pdf))


def document(client, user, kind, pk) -> str:
    client.force_login(user)
    response = client.get(reverse("reports:document", args=[kind, pk]))
    assert response.status_code == 200, response.content[:500]
    return flat(response.content)


def test_a_hangzhou_topic_gets_a_project_approval_notice(client):
    w, app = hangzhou_topic("research_key")
    w.act(app, "approve")
    links = {link.kind: link for link in document_links(w.admin, application=app)}
    assert links["outcome_document"].label == "立项通知" and "certificate" not in links
    text = document(client, w.admin, "outcome_document", app.pk)
    number = app.certification.certificate_no
    assert "立项通知" in text and "立项编号" in text and number in text
    assert "准予立项" in text and "重点课题" in text and "15,000.00元" in text
    assert "授牌" not in text and "证书" not in text and "牌匾" not in text
    assert "二〇二六年十二月一日" in text


@pytest.fixture
def world(db):
    return World()


def test_a_lianyungang_chief_expert_gets_a_commendation_certificate(client, world):
    with on_day(dt.date(2025, 11, 24)):  # the helper's notice starts that day
        app = award(world, "chief_expert")
    links = {link.kind: link for link in document_links(world.admin, application=app)}
    assert links["outcome_document"].label == "表彰证书"
    text = document(client, world.admin, "outcome_document", app.pk)
    assert "表彰证书" in text and "表彰文号" in text and app.certification.certificate_no in text
    assert "陈工程师" in text and "特予表彰" in text and "首席专家" in text
    assert "立项" not in text and "授牌" not in text and "认定" not in text


def test_a_lianyungang_station_award_certificate_says_commended(client, world):
    app = world.submitted(station=world.station)
    world.to_notice(app)
    with on_day(dt.date(2025, 11, 24)):
        services.notice_publish(
            city=world.city,
            applications=[app],
            actor=world.admin,
            title="公示",
            start_on=dt.date(2025, 11, 24),
        )
    world.act(app, "approve", today=dt.date(2025, 11, 29))
    links = {link.kind: link for link in document_links(world.admin, application=app)}
    assert "outcome_document" not in links  # the station carries the document
    assert links["certificate"].label == "表彰证书及牌匾文字"
    text = document(client, world.admin, "certificate", world.station.pk)
    assert "表彰证书" in text and "表彰文号" in text and "特予表彰" in text
    assert "经评审认定" not in text


def test_no_outcome_document_before_the_end(client):
    w, app = hangzhou_topic("research_key")
    client.force_login(w.admin)
    response = client.get(reverse("reports:document", args=["outcome_document", app.pk]))
    assert response.status_code == 409  # DocumentNotAvailable: not yet
    assert "outcome_document" not in {
        link.kind for link in document_links(w.admin, application=app)
    }
