"""`simulate_policy --portfolio CITY --params CHANGES.json`: the page's preview as JSON."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from tests.funding.cycle import run_station
from tests.policies.test_simulate_command import env_for, manage

pytestmark = pytest.mark.django_db


def test_portfolio_preview_prints_the_impact_as_json(tmp_path):
    grant, _station, _who = run_station("shenyang", "key_support", "national", 2026, [(2026, 80)])
    changes = tmp_path / "changes.json"
    changes.write_text(json.dumps({"cutoff_good": 85, "key_support_amount": 40000}), "utf-8")
    out = io.StringIO()

    call_command(
        "simulate_policy",
        "--portfolio",
        "shenyang",
        "--params",
        str(changes),
        "--year",
        "2027",
        stdout=out,
    )

    data = json.loads(out.getvalue())
    assert data["years"] == [2027, 2028, 2029] and data["base_version"] == 1
    assert [t["total"] for t in data["totals"]] == [0, 30000, 90000]
    (affected,) = data["affected"]
    assert affected["id"] == grant.pk
    assert affected["delta"] == {"2027": -30000, "2028": -30000, "2029": 0}
    assert (affected["grade_before"], affected["grade_after"]) == ("good", "qualified")


def test_portfolio_refuses_bad_parameters(tmp_path):
    changes = tmp_path / "changes.json"
    changes.write_text(json.dumps({"cutoff_good": 95}), "utf-8")  # above 优秀 (90)

    with pytest.raises(SystemExit) as exit_:
        call_command("simulate_policy", "--portfolio", "shenyang", "--params", str(changes))

    assert exit_.value.code == 2


def test_portfolio_on_an_unmigrated_database_is_a_clear_error(tmp_path):
    changes = tmp_path / "changes.json"
    changes.write_text("{}", "utf-8")

    done = manage(
        "simulate_policy",
        "--portfolio",
        "shenyang",
        "--params",
        str(changes),
        env=env_for(tmp_path / "empty.sqlite3"),
    )

    assert done.returncode == 2
    assert "已迁移的数据库" in done.stderr and "Traceback" not in done.stderr
