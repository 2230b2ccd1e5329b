"""Yiyang and Guiyang through the pages; blind review; no inline script (strict CSP)."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import Notification
from applications import services
from applications.models import Application, AttachmentKind
from funding.models import Grant
from policies import selectors as policy_selectors
from policies import services as policy_services
from tests.applications.cities import AFTER_NOTICE, Guiyang, Yiyang
from tests.applications.conftest import on_day, pdf

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates" / "applications"


def detail(app):
    return reverse("applications:detail", args=[app.pk])


def act(client, app, action, **extra):
    app.refresh_from_db()
    data = {"action": action, "version": app.version, **extra}
    response = client.post(reverse("applications:act", args=[app.pk]), data, follow=True)
    app.refresh_from_db()
    return response


# --- Yiyang: county reviewer and talent office in the pages ------------------------------------


def test_yiyang_reviewers_see_their_buttons_and_move_it_to_certified(client):
    w = Yiyang()
    app = w.submitted()
    client.force_login(w.other_county)
    assert client.get(detail(app)).status_code == 404  # another district
    client.force_login(w.county)
    page = client.get(detail(app)).content.decode()
    assert 'data-testid="action-approve"' in page and 'data-testid="action-return"' in page
    act(client, app, "approve")
    assert app.stage == "city_review"
    assert client.get(detail(app)).status_code == 200  # still readable, no buttons
    assert 'data-testid="action-approve"' not in client.get(detail(app)).content.decode()

    client.force_login(w.admin)
    act(client, app, "approve")
    assert app.stage == "site_inspection"
    page = act(client, app, "approve").content.decode()
    assert "尚未记录实地考察" in page and app.stage == "site_inspection"
    assert 'data-testid="inspection-needed"' in page
    client.post(
        reverse("applications:inspection", args=[app.pk]),
        {"date": "2026-06-10", "inspectors": "王处长", "findings": "条件具备。"},
    )
    act(client, app, "approve")
    act(client, app, "approve")
    assert app.stage == "talent_approval"
    assert 'data-testid="action-approve"' not in client.get(detail(app)).content.decode()

    client.force_login(w.talent)
    page = client.get(detail(app)).content.decode()
    assert 'data-testid="action-approve"' in page
    assert 'data-testid="amount"' not in page  # city level: the amount is fixed by policy
    assert "排名与名额" in page
    assert client.get(reverse("applications:ranking", args=[w.call.pk])).status_code == 200
    act(client, app, "approve")
    assert app.stage == "public_notice"

    client.force_login(w.admin)
    with on_day(dt.date(2025, 11, 24)):
        response = client.post(
            reverse("applications:notice_create"),
            {"title": "拟认定名单公示", "start_on": "2025-11-24", "applications": [app.pk]},
            follow=True,
        )
    assert "2025-11-28" in response.content.decode()
    services.application_transition(
        application=app, action="approve", actor=w.admin, today=AFTER_NOTICE
    )
    page = client.get(detail(app)).content.decode()
    assert 'data-testid="certification"' in page and "益科协〔" in page
    assert 'data-testid="grant-link"' in page
    grant = Grant.objects.get(station=app.station)
    client.force_login(w.admin)
    assert app.station.name in client.get(reverse("funding:grants")).content.decode()
    assert client.get(reverse("funding:grant", args=[grant.pk])).status_code == 200


def test_yiyang_national_amount_is_asked_for_and_checked_in_the_page(client):
    w = Yiyang()
    applicant = w.new_applicant(nature="county_cast", level="national")
    app = w.to_talent_approval(w.submitted(applicant, level="national"))
    client.force_login(w.talent)
    page = client.get(detail(app)).content.decode()
    assert 'data-testid="amount"' in page and "一事一议" in page
    page = act(client, app, "approve").content.decode()
    assert "请填写核定金额" in page and app.stage == "talent_approval"
    act(client, app, "approve", amount="120000")
    assert (app.stage, app.amount) == ("public_notice", 120000)


# --- Guiyang: the budget table and its uppercase total in the pages ----------------------------


def test_guiyang_form_with_budget_demand_unit_and_files_submits_and_shows_the_total(client):
    w = Guiyang()
    app = services.application_create(call=w.call, actor=w.staff)
    client.force_login(w.staff)
    page = client.get(reverse("applications:edit", args=[app.pk])).content.decode()
    assert "data-budget-table" in page and 'data-testid="host-unit"' in page
    assert "<script>" not in page and "js/applications.js" in page
    data = {**w.form_data(), "version": app.version, "host_unit": w.demand_unit.pk}
    data.update(
        {
            "budget-TOTAL_FORMS": "3",
            "budget-INITIAL_FORMS": "0",
            "budget-MIN_NUM_FORMS": "0",
            "budget-MAX_NUM_FORMS": "1000",
            "budget-0-category": "专家咨询费",
            "budget-0-content": "专家现场指导",
            "budget-0-amount": "60000",
            "budget-1-category": "会议费",
            "budget-1-content": "技术对接会",
            "budget-1-amount": "40000",
            "budget-1-basis": "2次",
            f"file_{AttachmentKind.AGREEMENT}": pdf("协议.pdf"),
            f"file_{AttachmentKind.EXPERT_LIST}": pdf("专家名单.pdf"),
            "submit": "1",
        }
    )
    response = client.post(reverse("applications:edit", args=[app.pk]), data, follow=True)
    app.refresh_from_db()
    assert app.stage == "material_review", [str(m) for m in response.context["messages"]]
    assert app.host_unit == w.demand_unit
    assert [r["amount"] for r in app.form_data["budget"]] == ["60000", "40000"]
    page = client.get(detail(app)).content.decode()
    assert 'data-testid="budget-view"' in page
    assert "100000.00" in page and "壹拾万元整" in page

    client.force_login(w.admin)
    act(client, app, "approve")
    page = act(client, app, "approve").content.decode()
    assert "尚未记录实地考察" in page
    w.inspect(app)
    act(client, app, "approve")
    act(client, app, "approve")
    assert app.outcome == "certified"
    assert Grant.objects.get(station=app.station).amount == 50000


# --- blind review ------------------------------------------------------------------------------


def test_blind_reviewer_does_not_see_the_applicants_identity(world, client):
    version = policy_selectors.policy_version_for(world.city)
    policy_services.policy_version_create(
        city=world.city,
        params={**version.params, "blind_review": True},
        effective_from=dt.date(2020, 1, 1),
        note="启用盲评",
        actor=world.admin,
    )
    app = world.submitted(station=world.station)
    world.act(app, "approve")  # intake → expert_review
    services.assignment_create(application=app, expert=world.experts[0], actor=world.admin)
    expert = world.expert_users[0]
    client.force_login(expert)
    secrets = [app.title, world.society.name, world.host.name, world.staff.full_name]
    for url in (
        detail(app),
        reverse("applications:score", args=[app.pk]),
        reverse("applications:inbox"),
    ):
        page = client.get(url).content.decode()
        assert f"申报 #{app.pk}" in page, url
        for secret in secrets:
            assert secret not in page, (url, secret)
    page = client.get(detail(app)).content.decode()
    assert "承接市科技局委托的科技成果评价工作" in page  # the content itself is shown
    assert 'data-testid="blind-note"' in page
    note = Notification.objects.get(recipient=expert)
    assert app.title not in note.title and app.title not in note.body
    # The administrator still sees everything.
    client.force_login(world.admin)
    assert world.society.name in client.get(detail(app)).content.decode()


def test_trimmed_mean_parameter_drives_the_panel_page(world, client):
    app = world.submitted()
    world.act(app, "approve")
    world.score_all(app, experts=world.experts[:3], points=(25, 35, 25))
    client.force_login(world.admin)
    page = client.get(reverse("applications:panel", args=[app.pk])).content.decode()
    assert "去掉最高最低后平均" in page  # Lianyungang: trimmed_mean defaults to on


# --- the page rules the CSP switch needs -------------------------------------------------------


def test_application_templates_have_no_inline_script_or_handlers():
    for path in TEMPLATES.glob("*.html"):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path.name
        assert not re.search(r"\son[a-z]+\s*=", text), path.name


def test_the_reviewer_reminder_is_scheduled_daily():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "applications.tasks.remind_due_reviews" in tasks


def test_a_new_application_is_listed_once_for_the_county_reviewer(client):
    w = Yiyang()
    app = w.submitted()
    client.force_login(w.county)
    page = client.get(reverse("applications:inbox")).content.decode()
    assert page.count(detail(app)) == 1
    assert Application.objects.count() == 1
