"""The reminder and payment-notice tasks on a real worker with a Redis broker.

Run with CELERY_BROKER_URL=redis://127.0.0.1:6379/5; skipped without a broker.
"""

import datetime as dt
import os

import pytest
from django.utils import timezone

from accounts.models import Notification
from evaluations import services as ev_services
from evaluations.tasks import send_round_reminders
from funding import services
from funding.models import Disbursement, TaskReceipt
from funding.tasks import send_payment_notice
from tests.funding.cycle import make_station, people


@pytest.fixture
def worker(settings):
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    url = os.environ["CELERY_BROKER_URL"]
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(
        broker_url=url, result_backend=url, task_always_eager=False, task_acks_late=True
    )
    # Eager runs earlier in the session cached a disabled result backend on this thread.
    app._local.__dict__.pop("backend", None)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield app
    app.conf.update(task_always_eager=True)
    app._local.__dict__.pop("backend", None)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_payment_notice_and_reminder_run_once_on_a_real_worker(worker):
    station = make_station("shenyang", level="national", program="key_support")
    who = people(station)
    grant = services.grant_create(
        station=station, program="key_support", start_year=2024, actor=who["admin"]
    )
    with_eager_off = services.disbursement_approve(
        grant=grant,
        year=2024,
        paid_on=dt.date(2025, 1, 10),
        voucher_no="V-1",
        payee_account_name="某单位",
        payee_bank="中国银行",
        payee_account_no="6222020200001234567",
        actor=who["finance"],
    )
    pk = with_eager_off.pk
    # The on_commit delivery may already have run; deliver again twice: nothing changes.
    send_payment_notice.delay(pk).get(timeout=30)
    notes = Notification.objects.filter(title__contains="资助资金已拨付").count()
    assert notes == 2  # society staff + host staff, once each
    assert send_payment_notice.delay(pk).get(timeout=30) is False
    assert Notification.objects.filter(title__contains="资助资金已拨付").count() == notes
    assert Disbursement.objects.get(pk=pk).notice_sent_at is not None

    rnd = ev_services.round_open(
        city=station.city,
        year=2024,
        due_date=timezone.localdate() + dt.timedelta(days=3),
        actor=who["admin"],
    )
    today = timezone.localdate().isoformat()
    assert send_round_reminders.delay(rnd.pk, today).get(timeout=30) == 1
    reminders = Notification.objects.filter(title__startswith="提醒").count()
    assert reminders == 2
    assert send_round_reminders.delay(rnd.pk, today).get(timeout=30) == 0
    assert Notification.objects.filter(title__startswith="提醒").count() == reminders
    assert TaskReceipt.objects.filter(key__startswith="eval_reminder:").count() == 1
