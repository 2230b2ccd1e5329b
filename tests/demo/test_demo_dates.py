"""The demo is right on any day it is loaded (issue: main failed on 1 December).

`make run` loads the demo on whatever day a person runs it. Each load below travels to a
fixed day (time-machine), loads the whole demo, checks what must hold on every day and rolls
back. The days are the awkward ones: New Year, a leap day, either side of Lianyungang's
05-31 deadline (连云港 五(一)), the day of its 11-30 deadline, the day after (the day main
broke) and New Year's Eve; plus a day in a year whose statutory holidays nobody has entered
yet, where the Yiyang notice must wait and say why instead of failing the load.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from accounts.models import User
from applications.models import Application, Call
from applications.selectors import reviewer_inbox
from demo.loader import CITY_CODES, demo_load
from evaluations.models import EvaluationRound
from funding.models import Disbursement, Grant
from policies.api import current_params, get_city_policy
from stations.choices import StationStatus
from stations.models import ActivityRecord, City, Station, StationStatusChange

pytestmark = pytest.mark.django_db(transaction=False)

TZ = ZoneInfo("Asia/Shanghai")
# (day, the statutory holidays of the weeks before it are known to the platform)
DAYS = [
    (dt.date(2026, 1, 1), True),
    (dt.date(2024, 2, 29), True),
    (dt.date(2026, 5, 31), True),
    (dt.date(2026, 6, 1), True),
    (dt.date(2026, 11, 30), True),
    (dt.date(2026, 12, 1), True),
    (dt.date(2026, 12, 31), True),
    (dt.date(2028, 2, 29), False),  # chinesecalendar 1.x knows no 2028 holidays
]


@pytest.fixture(params=DAYS, ids=[d.isoformat() for d, _ in DAYS])
def loaded(request):
    day, calendar_known = request.param
    with transaction.atomic():
        with time_machine.travel(dt.datetime.combine(day, dt.time(9, 30), tzinfo=TZ), tick=False):
            result = demo_load()
            yield day, calendar_known, result
        transaction.set_rollback(True)


def _inbox(code: str) -> list[Application]:
    return [
        app
        for suffix in ("admin", "county", "talent")
        for app in reviewer_inbox(User.objects.get(username=f"{code}_{suffix}"))
    ]


def test_the_demo_holds_on_any_day(loaded):
    day, calendar_known, result = loaded

    for code in CITY_CODES:
        city = City.objects.get(code=code)
        policy = get_city_policy(city)
        params, _ = current_params(city, day)
        open_calls = Call.objects.filter(city__code=code, opens_on__lte=day, closes_on__gte=day)
        assert open_calls.exists(), (day, code)
        for call in open_calls:
            # The closing date agrees with the policy: never after the round's deadline.
            round_year, deadline = policy.submission_round(call.program, call.opens_on, params)
            if deadline is not None:
                assert call.closes_on == deadline, (day, code, call.title)
            assert str(call.closes_on.year) in call.title, (day, code, call.title)
        # An application was submitted today to that call, so the policy accepted it today.
        waiting = _inbox(code)
        assert waiting, (day, code)
        assert {app.call_id for app in waiting} <= set(open_calls.values_list("pk", flat=True))

        # The evaluation round assesses the last complete year.
        assert EvaluationRound.objects.filter(city__code=code, year=day.year - 1).exists(), code
        assert not EvaluationRound.objects.filter(city__code=code, year__gte=day.year).exists()

    # Nothing in the demo happened after the load day.
    assert not ActivityRecord.objects.filter(date__gt=day).exists()
    latest_activity = ActivityRecord.objects.order_by("-date").values_list("date", flat=True)[0]
    assert (day - latest_activity).days < 40, latest_activity  # and it is not stale either
    last_change = StationStatusChange.objects.order_by("-changed_at").first().changed_at
    assert last_change.astimezone(TZ).date() <= day
    assert (day - last_change.astimezone(TZ).date()).days < 366
    assert not Disbursement.objects.filter(paid_on__gt=day).exists()
    assert Disbursement.objects.exists()
    assert not Grant.objects.filter(start_year__gt=day.year).exists()
    assert not Station.objects.filter(certified_on__gt=day).exists()

    yiyang = Application.objects.get(
        city__code="yiyang", title__startswith="湖南省茶叶学会益阳", society__name="湖南省茶叶学会"
    )
    if calendar_known:
        assert yiyang.station.status == StationStatus.CERTIFIED, day
        notice = yiyang.notices.get()
        assert notice.end_on < day
        assert not result.pending
    else:
        assert yiyang.station.status != StationStatus.CERTIFIED
        (message,) = result.pending
        assert f"{notice_year(day)} 年的法定节假日安排" in message
        assert "make demo" in message


def notice_year(day: dt.date) -> int:
    from demo.workflows import NOTICE_STARTED_DAYS_AGO

    return (day - dt.timedelta(days=NOTICE_STARTED_DAYS_AGO)).year


def test_a_lianyungang_call_after_the_deadline_is_next_years_round_and_accepts_today():
    """连云港 五(一): on 1 December both 05-31 and 11-30 have passed for this year."""
    day = dt.date(2026, 12, 1)
    with transaction.atomic():
        with time_machine.travel(dt.datetime.combine(day, dt.time(9, 30), tzinfo=TZ), tick=False):
            demo_load(cities=["lianyungang"])
            call = Call.objects.get(city__code="lianyungang", program="service_station")
            assert call.closes_on == dt.date(2027, 5, 31)
            assert call.title.startswith("2027年度")
            submitted = Application.objects.filter(call=call, submitted_at__isnull=False)
            assert submitted.exists()
            assert all(
                not any(f["code"] == "deadline_passed" for f in a.findings) for a in submitted
            )
        transaction.set_rollback(True)


def test_reloading_on_a_later_day_keeps_the_story_and_adds_only_the_new_days():
    with transaction.atomic():
        first = dt.date(2026, 12, 1)
        with time_machine.travel(dt.datetime.combine(first, dt.time(9), tzinfo=TZ), tick=False):
            demo_load(cities=["shenyang"])
        certified = dict(Station.objects.values_list("name", "certified_on"))
        later = dt.date(2027, 1, 20)
        with time_machine.travel(dt.datetime.combine(later, dt.time(9), tzinfo=TZ), tick=False):
            result = demo_load(cities=["shenyang"])
        assert dict(Station.objects.values_list("name", "certified_on")) == certified
        assert result.clocks["shenyang"].shift == 0  # the story did not move
        assert ActivityRecord.objects.filter(date__gte=first).exists()  # the new days
        assert Call.objects.filter(city__code="shenyang", title__startswith="2027").exists()
        transaction.set_rollback(True)
