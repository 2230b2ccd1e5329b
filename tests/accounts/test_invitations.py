"""An expert without an account gets one by invitation: one-time, expiring, audited."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.invitations import (
    expert_can_act,
    expert_invitation_accept,
    expert_invitation_issue,
)
from accounts.models import AuditEvent, ExpertInvitation, User
from accounts.roles import Role
from tests.factories import ExpertFactory, UserFactory, city

GOOD = "Ping-An-2026!x"


@pytest.fixture
def people(db):
    shenyang = city("shenyang")
    expert = ExpertFactory(city=shenyang, is_reviewer=True)
    admin = UserFactory(role=Role.CITY_ADMIN, city=shenyang)
    return expert, admin


def test_invitation_creates_an_expert_account_without_password(people):
    expert, admin = people
    invitation, token = expert_invitation_issue(expert=expert, actor=admin)
    user = User.objects.get(expert=expert)
    assert user.role == Role.EXPERT_REVIEWER and user.city_id == expert.city_id
    assert not user.has_usable_password() and not expert_can_act(expert)
    assert token not in invitation.token_hash and len(invitation.token_hash) == 64
    assert AuditEvent.objects.filter(event="expert.account_created").exists()
    assert AuditEvent.objects.filter(event="expert.invitation_issued").exists()


def test_the_link_sets_the_password_once(people, client):
    expert, admin = people
    _inv, token = expert_invitation_issue(expert=expert, actor=admin)
    url = reverse("accounts:invitation", args=[token])
    page = client.get(url).content.decode()
    assert User.objects.get(expert=expert).username in page
    response = client.post(url, {"new_password1": GOOD, "new_password2": GOOD})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert expert_can_act(expert)
    assert client.login(username=User.objects.get(expert=expert).username, password=GOOD)
    client.logout()
    assert client.get(url).status_code == 404
    with pytest.raises(ValidationError, match="已使用或已过期"):
        expert_invitation_accept(token=token, password=GOOD)
    assert AuditEvent.objects.filter(event="expert.invitation_accepted").count() == 1
    assert AuditEvent.objects.filter(event="expert.invitation_refused").count() == 1


def test_the_password_policy_applies(people, client):
    expert, admin = people
    _inv, token = expert_invitation_issue(expert=expert, actor=admin)
    url = reverse("accounts:invitation", args=[token])
    response = client.post(url, {"new_password1": "abc", "new_password2": "abc"})
    assert response.status_code == 200 and not expert_can_act(expert)
    with pytest.raises(ValidationError):
        expert_invitation_accept(token=token, password="12345678901")
    assert ExpertInvitation.objects.get().used_at is None


def test_the_link_expires_and_a_new_one_cancels_the_old(people):
    expert, admin = people
    _inv, first = expert_invitation_issue(expert=expert, actor=admin)
    _inv, second = expert_invitation_issue(expert=expert, actor=admin)
    with pytest.raises(ValidationError):
        expert_invitation_accept(token=first, password=GOOD)
    with (
        time_machine.travel(dt.datetime(2026, 12, 9, 10, 0, tzinfo=dt.UTC)),
        pytest.raises(ValidationError),
    ):
        expert_invitation_accept(token=second, password=GOOD)
    assert not expert_can_act(expert)


def test_only_the_citys_administrator_invites(people):
    expert, _admin = people
    other = UserFactory(role=Role.CITY_ADMIN, city=city("yiyang"))
    with pytest.raises(PermissionDenied):
        expert_invitation_issue(expert=expert, actor=other)


def test_an_expert_who_can_log_in_is_not_invited(people):
    expert, admin = people
    UserFactory(role=Role.EXPERT_REVIEWER, expert=expert)
    with pytest.raises(ValidationError, match="无需邀请"):
        expert_invitation_issue(expert=expert, actor=admin)


def test_a_bad_token_shows_a_clear_page(db, client):
    response = client.get(reverse("accounts:invitation", args=["nope"]))
    assert response.status_code == 404
    assert 'data-testid="invitation-invalid"' in response.content.decode()
