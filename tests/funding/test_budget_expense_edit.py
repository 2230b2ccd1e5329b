"""Budget lines and expenses: edit and delete, audited; forbidden categories refused with clause."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent
from accounts.roles import Role
from funding import services
from funding.models import BudgetLine, Expense
from tests.factories import UserFactory
from tests.funding.cycle import make_station, people

pytestmark = pytest.mark.django_db


@pytest.fixture
def guiyang():
    station = make_station("guiyang", level="city", program="station")
    who = people(station)
    grant = services.grant_create(
        station=station, program="station", start_year=2024, actor=who["admin"]
    )
    line = services.budget_line_add(
        grant=grant,
        category="expert_travel",
        content="专家往返",
        amount=Decimal("8000"),
        actor=who["society"],
    )
    expense = services.expense_record(
        grant=grant,
        spent_on=dt.date(2024, 5, 1),
        category="training",
        description="技术培训场地",
        amount=Decimal("1200.50"),
        actor=who["society"],
    )
    return grant, line, expense, who


def test_budget_line_edit_refuses_forbidden_category_with_clause(guiyang):
    grant, line, _, who = guiyang
    with pytest.raises(ValidationError) as exc:
        services.budget_line_update(
            line=line, category="donations", content="捐赠", amount=Decimal(1), actor=who["society"]
        )
    assert "贵阳 四(四)4" in str(exc.value)
    line.refresh_from_db()
    assert line.category == "expert_travel"
    services.budget_line_update(
        line=line,
        category="consulting",
        content="专家咨询",
        amount=Decimal("9000"),
        basis="3 人 × 3,000",
        actor=who["society"],
    )
    event = AuditEvent.objects.get(event="funding.budget_line_updated")
    assert event.detail["before"]["category"] == "expert_travel"
    assert event.detail["after"]["amount"] == "9000"


def test_expense_edit_refuses_forbidden_category_and_delete_is_audited(guiyang):
    grant, line, expense, who = guiyang
    with pytest.raises(ValidationError, match=r"贵阳 四\(四\)4"):
        services.expense_update(
            expense=expense,
            spent_on=expense.spent_on,
            category="welfare",
            description="发放福利",
            amount=Decimal(100),
            actor=who["society"],
        )
    expense.refresh_from_db()
    assert expense.category == "training"
    services.expense_delete(expense=expense, actor=who["society"])
    services.budget_line_delete(line=line, actor=who["society"])
    assert not Expense.objects.exists() and not BudgetLine.objects.exists()
    deleted = AuditEvent.objects.get(event="funding.expense_deleted").detail["deleted"]
    assert deleted["amount"] == "1200.50" and deleted["category"] == "training"
    assert AuditEvent.objects.filter(event="funding.budget_line_deleted").exists()


def test_edit_and_delete_views(client, guiyang):
    grant, line, expense, who = guiyang
    client.force_login(who["society"])
    url = f"/funding/grants/{grant.pk}/budget/{line.pk}/edit/"
    assert client.get(url).status_code == 200
    page = client.post(
        url,
        {"category": "fines", "content": "罚款", "amount": "10", "basis": ""},
    ).content.decode()
    assert "贵阳 四(四)4" in page
    response = client.post(
        url, {"category": "meeting", "content": "座谈会", "amount": "2000", "basis": "2 场"}
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.category, line.amount) == ("meeting", Decimal("2000"))
    assert (
        client.post(f"/funding/grants/{grant.pk}/expense/{expense.pk}/delete/").status_code == 302
    )
    assert not Expense.objects.exists()
    assert client.get(f"/funding/grants/{grant.pk}/other/{line.pk}/edit/").status_code == 404


def test_strangers_get_404_and_finance_403(client, guiyang):
    grant, line, _, who = guiyang
    other = make_station("guiyang", level="city", program="station")
    client.force_login(UserFactory(role=Role.SOCIETY_STAFF, society=other.society))
    assert client.post(f"/funding/grants/{grant.pk}/budget/{line.pk}/delete/").status_code == 404
    client.force_login(who["finance"])
    assert client.post(f"/funding/grants/{grant.pk}/budget/{line.pk}/delete/").status_code == 403
    assert BudgetLine.objects.filter(pk=line.pk).exists()
