"""Pages: scope (404 alike), buttons only for the acting role, uploads, panels, query counts."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from applications import services
from applications.models import Application, ApplicationTransition, Attachment, Call
from applications.services import ConflictOfInterest
from tests.applications.conftest import World, docx, pdf, png
from tests.factories import ExpertFactory, SocietyFactory, UserFactory, city

pytestmark = pytest.mark.django_db


def detail_url(app):
    return reverse("applications:detail", args=[app.pk])


# --- permissions at every stage ------------------------------------------------------------------


def test_outsiders_get_404_at_every_stage(world, client):
    hangzhou_admin = UserFactory(role=Role.CITY_ADMIN, city=city("hangzhou"))
    stranger_society = SocietyFactory(city=world.city)
    stranger = UserFactory(role=Role.SOCIETY_STAFF, society=stranger_society)
    unassigned_expert = world.expert_users[3]
    app = world.submitted(station=world.station)
    stages_seen = []
    for step in ("intake", "expert_review", "leading_group"):
        stages_seen.append(app.stage)
        for outsider in (world.other_county, hangzhou_admin, stranger, unassigned_expert):
            client.force_login(outsider)
            assert client.get(detail_url(app)).status_code == 404, (step, outsider.role)
        for insider in (world.staff, world.admin, world.county):
            client.force_login(insider)
            assert client.get(detail_url(app)).status_code == 200
        if step == "intake":
            world.act(app, "approve")
        elif step == "expert_review":
            world.score_all(app)
            world.act(app, "approve")
    assert stages_seen == ["intake", "expert_review", "leading_group"]
    # An assigned expert sees the application; the unassigned one does not.
    client.force_login(world.expert_users[0])
    assert client.get(detail_url(app)).status_code == 200


def test_missing_and_forbidden_look_the_same(world, client):
    app = world.submitted()
    client.force_login(world.other_county)
    forbidden = client.get(detail_url(app))
    missing = client.get(reverse("applications:detail", args=[app.pk + 999]))
    assert forbidden.status_code == missing.status_code == 404


def test_action_buttons_show_only_for_the_acting_role_and_forged_posts_fail(world, client):
    app = world.submitted()
    client.force_login(world.admin)
    assert b'data-testid="action-approve"' in client.get(detail_url(app)).content
    client.force_login(world.staff)
    page = client.get(detail_url(app)).content
    assert b'data-testid="action-approve"' not in page
    assert b'data-testid="action-withdraw"' in page
    client.post(
        reverse("applications:act", args=[app.pk]), {"action": "approve", "version": app.version}
    )
    app.refresh_from_db()
    assert app.stage == "intake"
    assert ApplicationTransition.objects.filter(application=app).count() == 1


def test_attachment_download_is_scope_checked(world, client):
    app = world.submitted()
    attachment = app.attachments.get()
    url = reverse("applications:attachment", args=[app.pk, attachment.pk])
    client.force_login(world.staff)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(world.other_county)
    assert client.get(url).status_code == 404
    assert "applications/" in attachment.file.name and "材料" not in attachment.file.name


# --- attachments ---------------------------------------------------------------------------------


def test_rejected_upload_keeps_the_form_and_the_good_files(world, client):
    app = services.application_create(call=world.call, actor=world.staff)
    client.force_login(world.staff)
    fake = pdf("伪装.pdf")
    fake.file.seek(0)
    fake.file.truncate()
    fake.file.write(b"MZ\x90\x00 this is an exe")
    fake.file.seek(0)
    fake.size = 20
    data = world.form_data(outcomes="独特的成效描述")
    data.update(
        {
            "version": app.version,
            "submit": "1",
            "file_function_proof": pdf("委托书.pdf"),
            "file_other": fake,
        }
    )
    response = client.post(reverse("applications:edit", args=[app.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "伪装.pdf" in html and "类型不符" in html
    assert "独特的成效描述" in html  # the posted form is re-rendered
    app.refresh_from_db()
    assert app.stage == "draft"  # not submitted while a file was refused
    assert app.form_data["outcomes"] == "独特的成效描述"
    assert list(app.attachments.values_list("original_name", flat=True)) == ["委托书.pdf"]


def test_too_large_upload_is_refused(world, client, monkeypatch):
    # check_upload reads the limit in its own module (applications.services.attachments).
    monkeypatch.setattr(services.attachments, "ATTACHMENT_MAX_BYTES", 100)
    app = world.draft(with_proof=False)
    client.force_login(world.staff)
    data = {**world.form_data(), "version": app.version, "file_function_proof": pdf(size=500)}
    response = client.post(reverse("applications:edit", args=[app.pk]), data)
    assert "超过" in response.content.decode()
    assert not app.attachments.exists()


def test_accepted_types_are_recognised_by_content():
    assert services.check_upload(pdf()).kind == "pdf"
    assert services.check_upload(png()).kind == "png"
    assert services.check_upload(docx()).kind == "docx"
    renamed = docx("表.xlsx")
    with pytest.raises(Exception, match="类型不符"):
        services.check_upload(renamed)


# --- expert panels -------------------------------------------------------------------------------


def _at_expert_stage(world):
    app = world.submitted()
    world.act(app, "approve")
    return app


def test_conflicted_expert_cannot_be_assigned_and_is_excluded_from_draws(world):
    app = _at_expert_stage(world)
    member = ExpertFactory(city=world.city, is_reviewer=True, society=world.society)
    employee = ExpertFactory(city=world.city, is_reviewer=True, employer=world.society.name)
    for expert in (member, employee):
        with pytest.raises(ConflictOfInterest):
            services.assignment_create(application=app, expert=expert, actor=world.admin)
    pool, excluded = services.draw_pool(app)
    assert member.pk not in pool and str(member.pk) in excluded
    assert employee.pk not in pool and str(employee.pk) in excluded


def test_random_draw_is_recorded_and_reproducible(world):
    app = _at_expert_stage(world)
    draw = services.panel_draw(application=app, actor=world.admin, size=2)
    assert len(draw.seed) == 32  # from the server
    assert draw.selected == services.draw_select(draw.pool, 2, draw.seed)
    assert set(app.assignments.values_list("expert_id", flat=True)) == set(draw.selected)


def test_the_administrator_cannot_choose_the_draw_seed(world, client):
    """Issue 13: a seed sent with the form is ignored; the server's is recorded and shown."""
    app = _at_expert_stage(world)
    client.force_login(world.admin)
    url = reverse("applications:panel", args=[app.pk])
    assert 'name="seed"' not in client.get(url).content.decode()
    response = client.post(url, {"mode": "draw", "size": 2, "seed": "abc123"}, follow=True)
    draw = app.draws.get()
    assert draw.seed != "abc123" and draw.seed in response.content.decode()
    assert draw.selected == services.draw_select(draw.pool, 2, draw.seed)


def test_expert_must_declare_before_scoring_and_stats_are_computed(world, client):
    app = _at_expert_stage(world)
    expert, user = world.experts[0], world.expert_users[0]
    assignment = services.assignment_create(application=app, expert=expert, actor=world.admin)
    client.force_login(user)
    url = reverse("applications:score", args=[app.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="declaration"' in page and "score-form" not in page
    with pytest.raises(Exception, match="先声明"):
        services.score_save(assignment=assignment, actor=user, points={}, submit=False)
    client.post(url, {"declare": "none"})
    response = client.post(
        url,
        {
            "points_conditions": "28",
            "points_results": "99",
            "points_model": "20",
            "comment": "好",
            "submit": "1",
        },
    )
    assert "须在 0–40 分之间" in response.content.decode()
    client.post(
        url,
        {
            "points_conditions": "28",
            "points_results": "36",
            "points_model": "20",
            "comment": "好",
            "submit": "1",
        },
    )
    assignment.refresh_from_db()
    assert assignment.score.total == 84


def test_panel_statistics_and_trimmed_mean():
    stats = services.panel_stats([80, 90, 70, 100], trim=True)
    assert (stats["mean"], stats["spread"], stats["trimmed"]) == (85, 30, 85)
    stats = services.panel_stats([60, 90, 93], trim=True)
    assert stats["trimmed"] == 90 and stats["final"] == 90
    assert services.panel_stats([60, 90, 93], trim=False)["trimmed"] is None


def test_reminder_is_sent_once_before_the_due_date(world):
    app = _at_expert_stage(world)
    services.assignment_create(
        application=app, expert=world.experts[0], actor=world.admin, due_on=dt.date(2030, 1, 3)
    )
    assert services.remind_due_assignments(today=dt.date(2030, 1, 1)) == 1
    assert services.remind_due_assignments(today=dt.date(2030, 1, 2)) == 0


# --- constant query counts ----------------------------------------------------------------------


def _count(client, url):
    from django.core.cache import cache

    cache.clear()  # the cold path each time (the user's city and inbox count are cached)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_inbox_runs_a_constant_number_of_queries(world, client):
    world.call.quota = None
    world.call.save()
    client.force_login(world.admin)
    world.submitted()
    world.submitted()
    few = _count(client, reverse("applications:inbox"))
    for _ in range(5):
        world.submitted(station=world.station)
    many = _count(client, reverse("applications:inbox"))
    assert few == many
    assert Application.objects.filter(stage="intake").count() == 7


def test_call_list_runs_a_constant_number_of_queries(world, client):
    client.force_login(world.staff)
    few = _count(client, reverse("applications:calls"))
    for n in range(6):
        Call.objects.create(
            city=world.city,
            program="service_station",
            title=f"批次{n}",
            opens_on=dt.date(2020, 1, 1),
            closes_on=dt.date(2099, 1, 1),
        )
    many = _count(client, reverse("applications:calls"))
    assert few == many


def test_expert_inbox_lists_only_open_assignments(world, client):
    app = _at_expert_stage(world)
    other = _at_expert_stage(world)
    services.assignment_create(application=app, expert=world.experts[0], actor=world.admin)
    client.force_login(world.expert_users[0])
    html = client.get(reverse("applications:inbox")).content.decode()
    assert detail_url(app) in html and detail_url(other) not in html


# --- the double-clicked approve -----------------------------------------------------------------


def test_double_clicked_approve_posts_make_one_transition(world, client):
    app = world.submitted()
    client.force_login(world.admin)
    url = reverse("applications:act", args=[app.pk])
    for _ in range(2):
        client.post(url, {"action": "approve", "version": app.version})
    app.refresh_from_db()
    assert app.stage == "expert_review"
    assert ApplicationTransition.objects.filter(application=app, action="approve").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_approves_make_exactly_one_transition():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    world = World()
    app = world.submitted()
    version = app.version
    barrier = threading.Barrier(2)
    outcomes = []

    def click():
        try:
            barrier.wait()
            services.application_transition(
                application=app, action="approve", actor=world.admin, expected_version=version
            )
            outcomes.append("ok")
        except Exception as exc:  # noqa: BLE001 - the loser's refusal is the point
            outcomes.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["StaleVersion", "ok"]
    assert ApplicationTransition.objects.filter(application=app, action="approve").count() == 1


def test_attachment_rows_never_expose_the_storage_path(world, client):
    app = world.draft()
    client.force_login(world.staff)
    html = client.get(reverse("applications:edit", args=[app.pk])).content.decode()
    stored = Attachment.objects.get(application=app).file.name
    assert stored not in html
