"""`manage.py simulate_policy` as a black box: a subprocess, JSON in, JSON out, exit codes.

The subprocess cannot see the in-memory test database, so most cases point DATABASE_URL
at an empty SQLite file: the command then uses the module defaults (= version 1). One
case migrates a file database and stores a version 2 to show stored parameters are used.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def env_for(db_path: Path) -> dict:
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.test")
    env["DATABASE_URL"] = f"sqlite:///{db_path}"
    return env


def manage(*args, env, stdin=None):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
    )


def simulate(tmp_path, scenario, db_name="empty.sqlite3"):
    path = tmp_path / "scenario.json"
    path.write_text(scenario if isinstance(scenario, str) else json.dumps(scenario), "utf-8")
    return manage("simulate_policy", str(path), env=env_for(tmp_path / db_name))


def test_issue_example(tmp_path):
    done = simulate(
        tmp_path,
        {
            "city": "shenyang",
            "program": "key_support",
            "level": "national",
            "start_year": 2024,
            "amount": None,
            "evaluations": [{"year": 2024, "score": 92}, {"year": 2025, "score": 78}],
        },
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["city"] == "shenyang" and out["policy_version"] == 1
    assert out["years"][0] == {
        "year": 2024,
        "score": 92,
        "grade": "excellent",
        "paid": 30000,
        "recovered": 0,
        "status": "active",
        "clauses": ["沈阳 三(二)", "沈阳 三(三)"],
    }
    assert [y["year"] for y in out["years"]] == [2024, 2025, 2026]
    assert (out["total_paid"], out["total_recovered"], out["net"]) == (60000, 0, 60000)
    assert out["final_status"] == "active"


@pytest.mark.parametrize(
    "clause,scenario,total_paid,total_recovered,final",
    [
        (
            "益阳 第十二条",
            {
                "city": "yiyang",
                "program": "station",
                "level": "national",
                "start_year": 2024,
                "amount": 150000,
                "evaluations": [{"year": 2024, "score": 88}, {"year": 2025, "score": 55}],
            },
            150000,
            150000,
            "delisted",
        ),
        (
            "贵阳 四(四)1",
            {
                "city": "guiyang",
                "program": "station",
                "level": "national",
                "start_year": 2023,
                "evaluations": [],
            },
            100000,
            0,
            "completed",
        ),
        (
            "杭州 附件第八条",
            {
                "city": "hangzhou",
                "program": "station",
                "level": "city",
                "start_year": 2015,
                "amount": 30000,
                "evaluations": [
                    {"year": 2015, "score": 60},
                    {"year": 2016, "score": 61},
                    {"year": 2017, "score": 62},
                ],
            },
            90000,
            0,
            "completed",
        ),
        (
            "连云港 三(一)",
            {"city": "lianyungang", "program": "demo_society", "level": "city", "start_year": 2017},
            8000,
            0,
            "completed",
        ),
    ],
)
def test_valid_scenarios(tmp_path, clause, scenario, total_paid, total_recovered, final):
    done = simulate(tmp_path, scenario)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert (out["total_paid"], out["total_recovered"], out["final_status"]) == (
        total_paid,
        total_recovered,
        final,
    )
    assert any(clause in y["clauses"] for y in out["years"])


BASE = {
    "city": "hangzhou",
    "program": "station",
    "level": "city",
    "start_year": 2015,
    "amount": 25000,
}


@pytest.mark.parametrize(
    "scenario,message",
    [
        ({**BASE, "city": "beijing"}, "未知的城市"),
        ({**BASE, "program": "nothing"}, "没有项目"),
        ({**BASE, "level": "county"}, "未知级别"),
        ({**BASE, "level": "national"}, "不设级别"),
        ({**BASE, "amount": 35000}, "超出"),
        ({**BASE, "amount": None}, "amount"),
        (
            {"city": "yiyang", "program": "station", "level": "national", "start_year": 2024},
            "一事一议",
        ),
        ({**BASE, "evaluations": [{"year": 2015, "score": 101}]}, "0–100"),
        ({**BASE, "evaluations": [{"year": 2015, "score": -1}]}, "0–100"),
        (
            {**BASE, "evaluations": [{"year": 2016, "score": 70}, {"year": 2015, "score": 70}]},
            "顺序",
        ),
        ({**BASE, "evaluations": [{"year": 2014, "score": 70}]}, "顺序"),
        ({**BASE, "start_year": "2015"}, "start_year"),
        ("{not json", "JSON"),
    ],
)
def test_invalid_scenarios_exit_2_with_a_message(tmp_path, scenario, message):
    done = simulate(tmp_path, scenario)
    assert done.returncode == 2
    assert done.stdout == ""
    assert message in done.stderr


def test_missing_file_exits_2(tmp_path):
    done = manage(
        "simulate_policy", str(tmp_path / "nope.json"), env=env_for(tmp_path / "e.sqlite3")
    )
    assert done.returncode == 2 and "无法读取" in done.stderr


def test_stored_parameter_version_is_used(tmp_path):
    env = env_for(tmp_path / "db.sqlite3")
    migrated = manage("migrate", "--noinput", env=env)
    assert migrated.returncode == 0, migrated.stderr
    script = (
        "import datetime as dt\n"
        "from stations.models import City\n"
        "from policies.services import policy_version_create\n"
        "city = City.objects.get(code='shenyang')\n"
        "params = dict(city.policy_versions.get(version=1).params, key_support_amount=40000)\n"
        "policy_version_create(city=city, params=params, effective_from=dt.date(2020, 1, 1),"
        " note='test', actor=None)\n"
    )
    created = manage("shell", "-c", script, env=env)
    assert created.returncode == 0, created.stderr
    done = simulate(
        tmp_path,
        {
            "city": "shenyang",
            "program": "key_support",
            "level": "provincial",
            "start_year": 2024,
            "evaluations": [
                {"year": 2024, "score": 80},
                {"year": 2025, "score": 80},
                {"year": 2026, "score": 80},
            ],
        },
        db_name="db.sqlite3",
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["policy_version"] == 2 and out["total_paid"] == 120000
