"""Concurrent recoveries never together exceed what was paid (issue 12; PostgreSQL row locks
and the grant_recovered_within_paid constraint)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum

from funding import services
from funding.models import Grant
from tests.funding.cycle import make_station, pay_dues, people


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_recoveries_of_a_30000_payment(on_postgres):
    station = make_station("shenyang", level="national", program="key_support")
    who = people(station)
    grant = services.grant_create(
        station=station, program="key_support", start_year=2024, actor=who["admin"]
    )
    pay_dues(grant, who["finance"])  # 30,000 paid on selection (沈阳 三(二))
    barrier = threading.Barrier(10)
    outcomes: list[str] = []
    lock = threading.Lock()

    def recover(n: int) -> None:
        try:
            barrier.wait()
            services.recovery_record(
                grant=grant,
                amount=20000,
                reason=f"违规使用（{n}）",
                clause="沈阳 三(四)",
                actor=who["admin"],
            )
            result = "recovered"
        except ValidationError as exc:
            result = exc.messages[0]
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=recover, args=(n,)) for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("recovered") == 1 and len(outcomes) == 10
    assert all("已拨付净额" in o for o in outcomes if o != "recovered")
    grant = Grant.objects.get(pk=grant.pk)
    recovered = grant.recoveries.aggregate(s=Sum("amount"))["s"]
    assert recovered == grant.recovered_total == 20000 <= grant.disbursed_total == 30000
