"""With the broker down, work still succeeds; its tasks wait in the outbox and go out once,
when the broker is back."""

import contextlib
import os
import socket
import subprocess
import time
from types import SimpleNamespace

import pytest
from django.core import mail

from accounts.models import Notification, OutboxMessage
from accounts.outbox import outbox_enqueue, outbox_flush
from accounts.roles import Role
from accounts.services import notify
from config.celery import app

DEAD_BROKER = "redis://127.0.0.1:6390/0"  # nothing listens here: "Redis is stopped"


def point_celery_at(settings, url: str, *, eager: bool = False) -> None:
    # Celery reads the CELERY_BROKER_URL environment variable before any setting, then the
    # CELERY_* Django settings, then its own keys: set all three.
    os.environ["CELERY_BROKER_URL"] = url
    settings.CELERY_BROKER_URL = settings.CELERY_RESULT_BACKEND = url
    settings.CELERY_TASK_ALWAYS_EAGER = eager
    app.conf.update(broker_url=url, result_backend=url, task_always_eager=eager)
    forget_connections()


def forget_connections() -> None:
    """Drop the pool and result backend Celery cached for the previous broker URL."""
    app._pool = None
    app.amqp._producer_pool = None
    app._local.__dict__.pop("backend", None)


@pytest.fixture(autouse=True)
def restore_celery(settings):
    env = os.environ.get("CELERY_BROKER_URL")
    before = (app.conf.broker_url, app.conf.result_backend, app.conf.task_always_eager)
    yield
    if env is None:
        os.environ.pop("CELERY_BROKER_URL", None)
    else:
        os.environ["CELERY_BROKER_URL"] = env
    app.conf.update(broker_url=before[0], result_backend=before[1], task_always_eager=before[2])
    forget_connections()


@pytest.fixture
def broker_down(settings):
    point_celery_at(settings, DEAD_BROKER)


@pytest.mark.django_db
def test_notify_succeeds_while_the_broker_is_down_and_waits_in_the_outbox(
    broker_down, make_user, shenyang, django_capture_on_commit_callbacks
):
    user = make_user(Role.CITY_ADMIN, city=shenyang, email="a@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[user], title="待审核")
    assert Notification.objects.filter(recipient=user).count() == 1  # the business change stands
    message = OutboxMessage.objects.get()
    assert message.sent_at is None and message.task == "accounts.tasks.send_notification_email"
    assert outbox_flush() == 0  # still down: nothing lost, nothing sent
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_same_key_is_recorded_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        outbox_enqueue("accounts.tasks.outbox_relay", key="k1")
        outbox_enqueue("accounts.tasks.outbox_relay", key="k1")
    assert OutboxMessage.objects.filter(key="k1").count() == 1


@pytest.mark.django_db
def test_eager_mode_runs_the_task_in_process_once(
    make_user, shenyang, django_capture_on_commit_callbacks
):
    user = make_user(Role.CITY_ADMIN, city=shenyang, email="a@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[user], title="已通过")
    assert len(mail.outbox) == 1
    assert OutboxMessage.objects.get().sent_at is not None
    assert outbox_flush() == 0 and len(mail.outbox) == 1


@pytest.fixture
def own_redis():
    """A Redis server of this test's own, on a spare port, that the test stops and starts."""
    port = 6391
    process = {}

    def start():
        process["p"] = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                return
            time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop():
        if "p" in process:
            process.pop("p").terminate()

    yield SimpleNamespace(url=f"redis://127.0.0.1:{port}/0", start=start, stop=stop)
    stop()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_pending_tasks_go_out_once_when_redis_is_back(settings, own_redis, make_user, shenyang):
    from celery.contrib.testing.worker import start_worker

    user = make_user(Role.FINANCE, city=shenyang, email="f@example.cn")
    point_celery_at(settings, own_redis.url)  # Redis is stopped
    notify(recipients=[user], title="拨付完成")  # autocommit: on_commit runs now
    assert Notification.objects.filter(recipient=user).count() == 1
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 1
    assert outbox_flush() == 0

    own_redis.start()  # Redis is back
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert outbox_flush() == 1, OutboxMessage.objects.values_list("last_error", flat=True)
        assert outbox_flush() == 0  # published once
        note = Notification.objects.get(recipient=user)
        # Delivered twice over (as after a worker killed mid-task): still one e-mail.
        for _ in range(2):
            app.send_task("accounts.tasks.send_notification_email", args=[note.pk]).get(timeout=30)
    note.refresh_from_db()
    assert note.emailed_at is not None
    assert [m.subject for m in mail.outbox] == ["【学会服务站管理平台】拨付完成"]
