"""20 (issue 5) or 50 (issue 8) finance officers approving the same disbursement at once:
exactly one row, and every other officer told it is already paid (PostgreSQL row locks)."""

import datetime as dt
import threading

import pytest
from django.db import connection

from funding import services
from funding.models import Disbursement
from tests.funding.cycle import make_station, people


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("officers", [20, 50])
def test_concurrent_approvals_make_exactly_one_row(on_postgres, officers):
    station = make_station("shenyang", level="national", program="key_support")
    who = people(station)
    grant = services.grant_create(
        station=station, program="key_support", start_year=2024, actor=who["admin"]
    )
    barrier = threading.Barrier(officers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def approve(n: int) -> None:
        try:
            barrier.wait()
            services.disbursement_approve(
                grant=grant,
                year=2024,
                paid_on=dt.date(2025, 1, 10),
                voucher_no=f"V-{n}",
                payee_account_name="某单位",
                payee_bank="中国银行",
                payee_account_no="6222020200001234567",
                actor=who["finance"],
            )
            result = "paid"
        except services.AlreadyPaid as exc:
            result = exc.messages[0]
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=approve, args=(n,)) for n in range(officers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("paid") == 1
    assert len(outcomes) == officers
    assert all("已拨付" in o and "不会重复支付" in o for o in outcomes if o != "paid")
    assert Disbursement.objects.filter(grant=grant).count() == 1
