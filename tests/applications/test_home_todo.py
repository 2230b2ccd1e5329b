"""The home page's to-do list (home.todo): what waits for each person, oldest first."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from applications import services
from applications.models import Application
from home.todo import open_calls, scored_assignments, todo_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _kinds(user):
    return [(item.kind, item.title) for item in todo_for(user)]


def test_submitted_application_waits_for_its_reviewer_and_leaves_the_applicants_list(world):
    app = world.draft()
    staff_items = todo_for(world.staff)
    assert [i.url for i in staff_items] == [reverse("applications:edit", args=[app.pk])]
    assert staff_items[0].kind == "完成申报并提交"
    assert staff_items[0].deadline == world.call.closes_on
    assert staff_items[0].days_left == (world.call.closes_on - timezone.localdate()).days

    services.application_transition(application=app, action="submit", actor=world.staff)
    assert todo_for(world.staff) == []
    reviewers = [u for u in (world.admin, world.county) if todo_for(u)]
    assert len(reviewers) == 1  # exactly one role acts on the first review stage
    item = todo_for(reviewers[0])[0]
    assert item.kind.startswith("审核申报（")  # with the stage's label, never its code
    assert "_" not in item.kind
    assert item.url == reverse("applications:detail", args=[app.pk])
    assert todo_for(world.other_county) == []  # another district's reviewer sees nothing


def test_reviewers_list_is_oldest_first(world):
    first = world.submitted()
    second = world.submitted(title="第二个承接职能示范工程")
    now = timezone.now()
    Application.objects.filter(pk=second.pk).update(stage_entered_at=now - dt.timedelta(days=9))
    Application.objects.filter(pk=first.pk).update(stage_entered_at=now - dt.timedelta(days=2))
    reviewer = next(u for u in (world.admin, world.county) if todo_for(u))
    urls = [i.url for i in todo_for(reviewer)]
    assert urls == [
        reverse("applications:detail", args=[second.pk]),
        reverse("applications:detail", args=[first.pk]),
    ]
    assert todo_for(reviewer)[0].since == timezone.localdate(now - dt.timedelta(days=9))


def test_expert_sees_assignment_with_deadline_then_scored(world):
    app = world.submitted()
    world.act(app, "approve")  # intake → expert review
    expert, user = world.experts[0], world.expert_users[0]
    due = timezone.localdate() + dt.timedelta(days=5)
    services.assignment_create(application=app, expert=expert, actor=world.admin, due_on=due)
    items = todo_for(user)
    assert [(i.kind, i.deadline, i.days_left) for i in items] == [("评审打分", due, 5)]
    assert scored_assignments(user)[0]["scored"] is False

    assignment = app.assignments.get(expert=expert, stage=app.stage)
    services.assignment_declare(assignment=assignment, actor=user, no_conflict=True)
    points = {"conditions": 25, "results": 35, "model": 25}
    services.score_save(
        assignment=assignment, actor=user, points=points, comment="同意。", submit=True
    )
    assert todo_for(user) == []
    assert scored_assignments(user)[0]["scored"] is True


def test_overdue_items_count_days_overdue(world):
    app = world.draft()
    world.call.closes_on = timezone.localdate() - dt.timedelta(days=3)
    world.call.save()
    item = next(i for i in todo_for(world.staff) if str(app.pk) in i.url)
    assert (item.overdue, item.days_overdue) == (True, 3)


def test_open_calls_for_the_applicant_role_and_why_not_for_the_other(world):
    society_view = open_calls(world.staff)
    assert [c["title"] for c in society_view["calls"]] == [world.call.title]
    host_staff = UserFactory(role=Role.HOST_STAFF, host_unit=world.host)
    host_view = open_calls(host_staff)
    assert host_view["calls"] == []  # function projects are filled in by the society
    assert host_view["others"] == 1
    assert host_view["other_role"] == Role.SOCIETY_STAFF.label
    assert open_calls(world.admin) is None


def test_home_page_lists_the_todo_with_days_left(world, client):
    world.draft()
    client.force_login(world.staff)
    html = client.get(reverse("home")).content.decode()
    assert html.index('data-testid="todo"') < html.index('data-testid="open-calls"')
    assert html.count('data-testid="todo-item"') == 1
    days = (world.call.closes_on - timezone.localdate()).days
    assert f"还剩 {days} 天" in html
    assert 'data-testid="apply-entry"' in html
    # An expert's home has no station figures, only their work.
    client.force_login(world.expert_users[0])
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="station-count"' not in html
    assert 'data-testid="todo-empty"' in html


def test_city_admin_is_asked_to_publish_the_notice_then_told_when_it_ends(world):
    import datetime as dt

    from tests.applications.conftest import on_day

    app = world.submitted(station=world.station)
    world.to_notice(app)
    with on_day(dt.date(2025, 11, 24)):
        notice_kinds = ("发布公示", "公示期将结束")
        assert [(i.kind, i.title) for i in todo_for(world.admin) if i.kind in notice_kinds] == [
            ("发布公示", app.title)
        ]
        notice = services.notice_publish(
            city=world.city,
            applications=[app],
            actor=world.admin,
            title="2025年度服务站认定公示",
            start_on=dt.date(2025, 11, 24),
        )
        items = [i for i in todo_for(world.admin) if i.kind in notice_kinds]
        assert [(i.kind, i.title, i.url, i.deadline) for i in items] == [
            (
                "公示期将结束",
                "2025年度服务站认定公示",
                reverse("applications:notice", args=[notice.pk]),
                notice.end_on,
            )
        ]


def test_the_cached_home_todo_follows_every_change_and_the_day(world, client):
    """The rendered to-do is cached per person (home.todo.cached_todo_html): a transition,
    a new row or a new day shows at once on the next page, never the list from before."""
    import time_machine

    app = world.draft()
    client.force_login(world.staff)
    assert client.get(reverse("home")).content.decode().count('data-testid="todo-item"') == 1
    reviewer = next(u for u in (world.admin, world.county) if u.role == Role.CITY_ADMIN)
    client.force_login(reviewer)
    before = client.get(reverse("home")).content.decode().count('data-testid="todo-item"')

    services.application_transition(application=app, action="submit", actor=world.staff)
    client.force_login(world.staff)
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="todo-item"' not in html and 'data-testid="todo-empty"' in html
    reviewers = [u for u in (world.admin, world.county) if todo_for(u)]
    client.force_login(reviewers[0])
    html = client.get(reverse("home")).content.decode()
    assert html.count('data-testid="todo-item"') == len(todo_for(reviewers[0]))
    if reviewers[0] == reviewer:
        assert html.count('data-testid="todo-item"') == before + 1

    second = world.draft(title="第二个承接职能示范工程")
    client.force_login(world.staff)
    html = client.get(reverse("home")).content.decode()
    assert html.count('data-testid="todo-item"') == 1 and second.title in html
    days = (world.call.closes_on - timezone.localdate()).days
    assert f"还剩 {days} 天" in html
    with time_machine.travel(timezone.now() + dt.timedelta(days=1)):
        client.force_login(world.staff)  # (a session idle for a day has ended)
        html = client.get(reverse("home")).content.decode()
        assert f"还剩 {days - 1} 天" in html
