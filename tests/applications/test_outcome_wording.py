"""The result is said in the program's words (issue 15): 立项 for a 杭州 research topic or
海智 activity, 表彰 for a 连云港 award, 认定授牌 for a station — on the application page, in
the applicant's message and in the document link (Program.outcome, policies.labels)."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from accounts.models import Notification
from tests.applications.cities import AFTER_NOTICE, Yiyang
from tests.applications.conftest import (  # noqa: F401 (the pinned day is autouse)
    World,
    on_day,
    pinned_application_day,
)
from tests.funding.test_stationless_grants import award, hangzhou_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return World()


def certification_block(client, user, app) -> str:
    client.force_login(user)
    page = client.get(reverse("applications:detail", args=[app.pk])).content.decode()
    match = re.search(r'data-testid="certification".*?</div>', page, re.S)
    assert match, "no certification block"
    return page, match.group(0)


def decided_message(app) -> str:
    note = Notification.objects.filter(title__contains="申报办结", link__contains=f"/{app.pk}/")
    return " ".join(n.body for n in note)


def test_a_hangzhou_key_topic_is_approved_as_a_project(client):
    w, app = hangzhou_topic("research_key")
    w.act(app, "approve")
    assert app.outcome == "certified" and app.station_id is None
    page, block = certification_block(client, w.admin, app)
    number = app.certification.certificate_no
    assert "已立项" in block and "立项编号" in block and number in block
    assert "授牌" not in page and "证书编号" not in page
    assert "立项通知" in page  # the document link names the document it opens
    body = decided_message(app)
    assert f"已立项，立项编号：{number}" in body and "授牌" not in body


def commended(world, program):
    # The helper publishes its notice on 2025-11-24: a notice starts today or later.
    with on_day(dt.date(2025, 11, 24)):
        return award(world, program)


def test_a_lianyungang_chief_expert_award_is_commended(client, world):
    app = commended(world, "chief_expert")
    page, block = certification_block(client, world.admin, app)
    number = app.certification.certificate_no
    assert "已表彰" in block and "表彰文号" in block and number in block
    assert "授牌" not in page and "证书编号" not in page and "立项" not in block
    assert "表彰证书" in page
    body = decided_message(app)
    assert f"已表彰，表彰文号：{number}" in body


def test_a_station_is_certified_with_a_plaque_and_a_certificate_number(client):
    w = Yiyang()
    app = w.to_talent_approval(w.submitted())
    w.act(app, "approve", w.talent)
    w.notice([app])
    w.act(app, "approve", today=AFTER_NOTICE)
    assert app.outcome == "certified" and app.station_id
    page, block = certification_block(client, w.admin, app)
    assert "已认定授牌" in block and "证书编号" in block
    assert "立项" not in block and "表彰" not in block
    assert "证书及牌匾文字" in page
    assert f"证书编号：{app.certification.certificate_no}" in decided_message(app)
