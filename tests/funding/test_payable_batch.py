"""The finance to-do (home.todo._payments) and `payable_by_grant`: the same dues as
`payable`, grant by grant, in a few queries however many grants are already paid."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from funding import services
from funding.models import Grant
from funding.selectors import payable_by_grant
from home import todo
from tests.funding.cycle import evaluate_year, make_station, pay_dues, people
from tests.funding.test_guiyang_decisions import award, guiyang

pytestmark = pytest.mark.django_db


def shenyang_grants(n: int):
    stations = [make_station("shenyang", level="national", program="key_support") for _ in range(n)]
    who = people(stations[0])
    grants = [
        services.grant_create(station=s, program="key_support", start_year=2024, actor=who["admin"])
        for s in stations
    ]
    return grants, who


def _payable_each(grants):
    return {g.pk: services.payable(Grant.objects.get(pk=g.pk)) for g in grants}


def test_batch_dues_equal_payable_grant_by_grant():
    grants, who = shenyang_grants(4)
    due, paid, frozen, withdrawn = grants
    pay_dues(paid, who["finance"])
    Grant.objects.filter(pk=frozen.pk).update(frozen_reason="处罚", frozen_clause="某条")
    Grant.objects.filter(pk=withdrawn.pk).update(withdrawn_years=[2024])
    supported, gy = guiyang()
    evaluate_year(supported, 2024, 80, gy)
    award(supported, gy)
    everything = [*grants, supported]
    batch = dict(payable_by_grant(Grant.objects.filter(pk__in=[g.pk for g in everything])))
    assert batch == _payable_each(everything)
    assert [d["year"] for d in batch[due.pk]] == [2024]
    assert batch[paid.pk] == batch[frozen.pk] == batch[withdrawn.pk] == []
    assert [(d["year"], d.get("discretionary")) for d in batch[supported.pk]] == [(2025, True)]


def test_finance_todo_lists_each_due_year_until_it_is_paid():
    grants, who = shenyang_grants(2)
    first, second = grants
    items = todo.todo_for(who["finance"])
    assert [(i.kind, i.title, i.url) for i in items] == [
        ("审核拨付（2024）", first.subject, reverse("funding:grant", args=[first.pk])),
        ("审核拨付（2024）", second.subject, reverse("funding:grant", args=[second.pk])),
    ]
    # Another city's finance never sees them (its own grant's subsidy is paid already).
    _guiyang_grant, guiyang_people = guiyang()
    assert todo.todo_for(guiyang_people["finance"]) == []
    pay_dues(first, who["finance"])
    Grant.objects.filter(pk=second.pk).update(frozen_reason="处罚", frozen_clause="某条")
    assert todo.todo_for(who["finance"]) == []


def test_paid_grants_are_read_in_growing_batches_not_a_query_each(monkeypatch):
    monkeypatch.setattr(todo, "PAYMENT_BATCH", 2)
    grants, who = shenyang_grants(11)
    for grant in grants[:10]:
        pay_dues(grant, who["finance"])
    with CaptureQueriesContext(connection) as ctx:
        items = todo._payments(who["finance"])
    # Batches of 2 and 8 grants (all paid), then the last grant, which owes: three queries
    # a batch, one for the owing grant's name, no query past the last grant.
    assert [i.url for i in items] == [reverse("funding:grant", args=[grants[10].pk])]
    assert len(ctx.captured_queries) == 3 * 3 + 1


def test_cached_dues_are_per_city_and_follow_each_payment_and_freeze():
    grants, who = shenyang_grants(2)
    first, second = grants
    _gy_grant, gy = guiyang()  # its own subsidy paid: nothing due
    finance = who["finance"]
    assert len(todo._payments(finance)) == 2
    with CaptureQueriesContext(connection) as ctx:  # cached: only the names are read
        assert len(todo._payments(finance)) == 2
    assert len(ctx.captured_queries) == 1
    assert todo._payments(gy["finance"]) == []  # the other city's entry is its own
    pay_dues(first, finance)
    assert [i.url for i in todo._payments(finance)] == [reverse("funding:grant", args=[second.pk])]
    second.refresh_from_db()
    second.frozen_reason, second.frozen_clause = "处罚", "某条"
    second.save()
    assert todo._payments(finance) == []


def test_an_imports_directory_bump_drops_the_cached_dues_too():
    """Imports write in bulk (no signals) and bump the directory generation once a file."""
    from network.public_cache import bump

    grants, who = shenyang_grants(1)
    assert len(todo._payments(who["finance"])) == 1
    Grant.objects.filter(pk=grants[0].pk).update(frozen_reason="处罚")  # no signal
    bump()
    assert todo._payments(who["finance"]) == []
