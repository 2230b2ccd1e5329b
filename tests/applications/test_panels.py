"""Expert panels that cannot freeze (issue 15): remove/replace a member, offline score
sheets, invitations, and a draw that only takes experts who can act."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEvent, User
from applications import services
from applications.models import ExpertDraw
from tests.factories import ExpertFactory

from .conftest import pdf

POINTS = {"conditions": "25", "results": "35", "model": "25"}


def _at_expert_stage(world):
    app = world.submitted()
    world.act(app, "approve")
    assert app.stage == "expert_review"
    return app


def _score_online(world, app, expert):
    user = next(u for u in world.expert_users if u.expert_id == expert.pk)
    assignment = app.assignments.get(expert=expert, stage=app.stage)
    services.assignment_declare(assignment=assignment, actor=user, no_conflict=True)
    services.score_save(
        assignment=assignment, actor=user, points=POINTS, comment="同意推荐。", submit=True
    )


def _accountless(world, n=1):
    return [ExpertFactory(city=world.city, is_reviewer=True, field="管理科学") for _ in range(n)]


# --- the draw only takes experts who can act -----------------------------------------------------


def test_draw_leaves_out_experts_without_an_account_and_says_so(world):
    app = _at_expert_stage(world)
    (ghost,) = _accountless(world)
    pool, excluded = services.draw_pool(app)
    assert ghost.pk not in pool
    assert excluded[str(ghost.pk)] == services.NO_ACCOUNT
    assert set(pool) == {e.pk for e in world.experts}
    assert ghost in services.experts_unable_to_act(app)
    draw = services.panel_draw(application=app, actor=world.admin, size=4)
    assert ghost.pk not in draw.selected and str(ghost.pk) in draw.excluded


def test_an_inactive_or_password_less_account_cannot_act(world):
    app = _at_expert_stage(world)
    user = world.expert_users[0]
    user.set_unusable_password()
    user.save()
    world.expert_users[1].is_active = False
    world.expert_users[1].save()
    pool, excluded = services.draw_pool(app)
    assert world.experts[0].pk not in pool and world.experts[1].pk not in pool
    assert str(world.experts[0].pk) in excluded


def test_panel_page_lists_the_experts_who_cannot_act(world, client):
    app = _at_expert_stage(world)
    (ghost,) = _accountless(world)
    services.assignment_create(application=app, expert=ghost, actor=world.admin)
    client.force_login(world.admin)
    page = client.get(reverse("applications:panel", args=[app.pk])).content.decode()
    assert 'data-testid="unable-experts"' in page and ghost.name in page
    assert 'data-testid="cannot-act"' in page
    assert f'data-testid="invite-{ghost.pk}"' in page


# --- remove and replace --------------------------------------------------------------------------


def test_remove_needs_a_reason_is_audited_and_frees_the_guard(world):
    app = _at_expert_stage(world)
    (ghost,) = _accountless(world)
    services.assignment_create(application=app, expert=world.experts[0], actor=world.admin)
    stuck = services.assignment_create(application=app, expert=ghost, actor=world.admin)
    _score_online(world, app, world.experts[0])
    with pytest.raises(services.TransitionError, match="1 位专家未提交评分"):
        world.act(app, "approve")
    with pytest.raises(ValidationError, match="移出原因"):
        services.assignment_remove(assignment=stuck, actor=world.admin, reason=" ")
    services.assignment_remove(assignment=stuck, actor=world.admin, reason="专家长期出差，无法评审")
    stuck.refresh_from_db()
    assert stuck.removed_at and stuck.removed_by == world.admin
    event = AuditEvent.objects.get(event="application.expert_removed")
    assert event.reason == "专家长期出差，无法评审" and event.detail["expert"] == ghost.pk
    world.act(app, "approve")
    assert app.stage == "leading_group"


def test_a_member_who_submitted_cannot_be_removed(world):
    app = _at_expert_stage(world)
    assignment = services.assignment_create(
        application=app, expert=world.experts[0], actor=world.admin
    )
    _score_online(world, app, world.experts[0])
    with pytest.raises(ValidationError, match="已提交评分"):
        services.assignment_remove(assignment=assignment, actor=world.admin, reason="x")


def test_only_the_administrator_removes(world):
    app = _at_expert_stage(world)
    assignment = services.assignment_create(
        application=app, expert=world.experts[0], actor=world.admin
    )
    with pytest.raises(PermissionDenied):
        services.assignment_remove(assignment=assignment, actor=world.staff, reason="x")


def test_replacement_draw_is_recorded_and_reproducible(world):
    app = _at_expert_stage(world)
    (ghost,) = _accountless(world)
    old = services.assignment_create(application=app, expert=ghost, actor=world.admin)
    services.assignment_create(application=app, expert=world.experts[0], actor=world.admin)
    new = services.assignment_replace(assignment=old, actor=world.admin, reason="无账号")
    draw = ExpertDraw.objects.get(replaces=old)
    assert new.draw == draw and draw.size == 1
    # The pool leaves out the panel (the removed member too) and the account-less experts.
    assert ghost.pk not in draw.pool and world.experts[0].pk not in draw.pool
    assert draw.excluded[str(ghost.pk)] == services.NO_ACCOUNT
    assert draw.selected == services.draw_select(draw.pool, 1, draw.seed) == [new.expert_id]
    old.refresh_from_db()
    assert old.removed_at and old.replaced_by == new
    event = AuditEvent.objects.get(event="application.expert_replaced")
    assert event.detail["seed"] == draw.seed and event.detail["removed"] == ghost.pk


def test_replace_by_hand_from_the_panel_page(world, client):
    app = _at_expert_stage(world)
    (ghost,) = _accountless(world)
    old = services.assignment_create(application=app, expert=ghost, actor=world.admin)
    client.force_login(world.admin)
    url = reverse("applications:panel", args=[app.pk])
    response = client.post(
        url,
        {
            "mode": "replace",
            "assignment": old.pk,
            "reason": "专家无法登录",
            "expert": world.experts[2].pk,
        },
        follow=True,
    )
    assert "替换为" in response.content.decode()
    assert app.assignments.filter(expert=world.experts[2], removed_at__isnull=True).exists()
    old.refresh_from_db()
    assert old.removal_reason == "专家无法登录"


# --- offline score sheet ---------------------------------------------------------------------------


def test_offline_sheet_is_entered_by_the_administrator_with_its_scan(world, client):
    app = _at_expert_stage(world)
    (ghost,) = _accountless(world)
    assignment = services.assignment_create(application=app, expert=ghost, actor=world.admin)
    client.force_login(world.admin)
    url = reverse("applications:panel_offline", args=[app.pk, assignment.pk])
    assert 'data-testid="offline-form"' in client.get(url).content.decode()
    # Missing scan or declaration: refused, nothing recorded.
    response = client.post(url, {**{f"points_{k}": v for k, v in POINTS.items()}, "comment": "好"})
    assert "无利益冲突声明" in response.content.decode()
    response = client.post(
        url,
        {
            **{f"points_{k}": v for k, v in POINTS.items()},
            "comment": "同意推荐。",
            "no_conflict": "on",
            "sheet": pdf("评分表.pdf"),
        },
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    score = assignment.score
    assert score.submitted_at and score.total == 85 and score.entered_by == world.admin
    assert score.sheet_name == "评分表.pdf" and assignment.no_conflict_declared_at
    event = AuditEvent.objects.get(event="application.score_entered_offline")
    assert event.user == world.admin and event.detail["on_behalf_of"] == ghost.pk
    sheet = client.get(reverse("applications:score_sheet", args=[app.pk, assignment.pk]))
    assert sheet.status_code == 200
    client.force_login(world.staff)
    assert (
        client.get(reverse("applications:score_sheet", args=[app.pk, assignment.pk])).status_code
        == 404
    )


def test_offline_sheet_checks_the_rubric_and_the_upload(world):
    app = _at_expert_stage(world)
    (ghost,) = _accountless(world)
    assignment = services.assignment_create(application=app, expert=ghost, actor=world.admin)
    with pytest.raises(ValidationError):
        services.offline_score_record(
            assignment=assignment,
            actor=world.admin,
            points={**POINTS, "results": "99"},
            comment="好",
            sheet=pdf(),
            no_conflict_confirmed=True,
        )
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ValidationError):
        services.offline_score_record(
            assignment=assignment,
            actor=world.admin,
            points=POINTS,
            comment="好",
            sheet=SimpleUploadedFile("x.pdf", b"MZ not a pdf"),
            no_conflict_confirmed=True,
        )
    assert not hasattr(assignment, "score") or assignment.score.submitted_at is None


# --- the stuck scenario resolves -----------------------------------------------------------------


@pytest.mark.parametrize("way", ["offline", "replace", "invite"])
def test_a_panel_with_an_account_less_expert_completes(world, client, way):
    """Four Lianyungang awards stuck at "还有 N 位专家未提交评分": each way unblocks it."""
    app = _at_expert_stage(world)
    (ghost,) = _accountless(world)
    services.assignment_create(application=app, expert=world.experts[0], actor=world.admin)
    stuck = services.assignment_create(application=app, expert=ghost, actor=world.admin)
    _score_online(world, app, world.experts[0])
    with pytest.raises(services.TransitionError, match="未提交评分"):
        world.act(app, "approve")
    if way == "offline":
        services.offline_score_record(
            assignment=stuck,
            actor=world.admin,
            points=POINTS,
            comment="同意。",
            sheet=pdf(),
            no_conflict_confirmed=True,
        )
    elif way == "replace":
        new = services.assignment_replace(assignment=stuck, actor=world.admin, reason="无账号")
        _score_online(world, app, new.expert)
    else:
        from accounts.invitations import expert_invitation_accept, expert_invitation_issue

        _inv, token = expert_invitation_issue(expert=ghost, actor=world.admin)
        user = expert_invitation_accept(token=token, password="Ping-An-2026!x")
        services.assignment_declare(assignment=stuck, actor=user, no_conflict=True)
        services.score_save(
            assignment=stuck, actor=user, points=POINTS, comment="同意。", submit=True
        )
    world.act(app, "approve")
    assert app.stage == "leading_group"


def test_invitation_from_the_panel_page_shows_the_link_once(world, client):
    app = _at_expert_stage(world)
    (ghost,) = _accountless(world)
    client.force_login(world.admin)
    url = reverse("applications:panel", args=[app.pk])
    response = client.post(url, {"mode": "invite", "expert": ghost.pk})
    page = response.content.decode()
    assert 'data-testid="invitation-link"' in page and "/accounts/invitation/" in page
    user = User.objects.get(expert=ghost)
    assert user.role == "expert_reviewer" and not user.has_usable_password()
    assert 'data-testid="invitation-link"' not in client.get(url).content.decode()


def test_replacement_draw_keeps_the_field_filter_of_the_draw(world):
    app = _at_expert_stage(world)
    other = ExpertFactory(city=world.city, is_reviewer=True, field="化学")
    from tests.factories import UserFactory

    UserFactory(role="expert_reviewer", expert=other)
    draw = services.panel_draw(application=app, actor=world.admin, size=1, field="管理")
    first = app.assignments.get(draw=draw)
    new = services.assignment_replace(assignment=first, actor=world.admin, reason="出差")
    assert new.expert.field == "管理科学" and new.draw.field_filter == "管理"
    assert other.pk not in new.draw.pool


def test_the_detail_page_names_the_panel_stage_not_its_code(world, client):
    """The 专家评审 card's 环节 column reads 评审专家组评审, never expert_review."""
    app = _at_expert_stage(world)
    world.score_all(app)
    client.force_login(world.admin)
    page = client.get(reverse("applications:detail", args=[app.pk])).content.decode()
    card = page[page.index('data-testid="panel-summary"') :]
    card = card[: card.index("</table>")]
    assert "评审专家组评审" in card and "expert_review" not in card
