"""A stale edit of a review score is refused, never silently written over a newer one."""

import pytest

from applications import services
from applications.models import ReviewScore


def test_a_score_saved_from_an_old_page_is_refused(world):
    app = world.submitted()
    world.act(app, "approve")  # into the expert panel stage
    expert, user = world.experts[0], world.expert_users[0]
    services.assignment_create(application=app, expert=expert, actor=world.admin)
    assignment = app.assignments.get(expert=expert)
    services.assignment_declare(assignment=assignment, actor=user, no_conflict=True)
    first = services.score_save(
        assignment=assignment, actor=user, points={"conditions": 20}, comment="初评"
    )
    loaded_version = first.version  # two browser tabs open the page now
    services.score_save(
        assignment=assignment,
        actor=user,
        points={"conditions": 25},
        comment="第一个标签页",
        expected_version=loaded_version,
    )
    with pytest.raises(services.StaleVersion, match="刷新"):
        services.score_save(
            assignment=assignment,
            actor=user,
            points={"conditions": 10},
            comment="第二个标签页（已过期）",
            expected_version=loaded_version,
        )
    score = ReviewScore.objects.get(assignment=assignment)
    assert score.comment == "第一个标签页" and score.points["conditions"] in (25, "25")


def test_first_save_in_two_tabs_keeps_the_earlier_one(world, client):
    """The score page carries a version from its first render (0: no score yet), so the second
    tab's first save is refused instead of overwriting the first tab's."""
    app = world.submitted()
    world.act(app, "approve")
    expert, user = world.experts[0], world.expert_users[0]
    services.assignment_create(application=app, expert=expert, actor=world.admin)
    assignment = app.assignments.get(expert=expert)
    services.assignment_declare(assignment=assignment, actor=user, no_conflict=True)
    client.force_login(user)
    url = f"/applications/{app.pk}/score/"
    page = client.get(url).content.decode()
    assert 'name="version" value="0"' in page  # both tabs render this
    client.post(url, {"version": "0", "points_conditions": "20", "comment": "第一个标签页"})
    response = client.post(
        url, {"version": "0", "points_conditions": "5", "comment": "第二个标签页"}, follow=True
    )
    assert "刷新" in response.content.decode()
    score = ReviewScore.objects.get(assignment=assignment)
    assert score.comment == "第一个标签页" and str(score.points["conditions"]) == "20"
