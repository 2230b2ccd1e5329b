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
