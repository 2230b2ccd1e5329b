"""The quota holds when two approvers pass different applications of one round at once."""

import threading
import time

import pytest
from django.db import connection, connections

from applications import services
from applications.models import QuotaOverride
from applications.services import transitions
from tests.applications.conftest import World


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_approvals_cannot_both_take_the_last_place(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    world = World()  # quota 1
    apps = []
    for _ in range(2):
        app = world.submitted()
        world.act(app, "approve")
        world.score_all(app)
        world.act(app, "approve")
        assert app.stage == "leading_group"
        apps.append(app)
    barrier = threading.Barrier(2)
    outcomes = []
    count = services.approved_at_stage

    def slow_count(app, stage):
        # Widen the race: without the lock on the call both threads count 0 here.
        result = count(app, stage)
        time.sleep(0.5)
        return result

    # The guard (transitions._check_guards) looks the count up in its own module.
    monkeypatch.setattr(transitions, "approved_at_stage", slow_count)

    def approve(app):
        try:
            barrier.wait()
            services.application_transition(application=app, action="approve", actor=world.admin)
            outcomes.append("ok")
        except services.TransitionError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "quota_full"]
    assert not QuotaOverride.objects.exists()
