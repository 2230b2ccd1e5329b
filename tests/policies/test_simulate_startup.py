"""`simulate_policy` starts as fast as `manage.py version`: it skips the system checks."""

import json

import pytest
from django.core import checks
from django.core.management import load_command_class


def test_simulate_policy_runs_without_the_system_checks(tmp_path, monkeypatch, capsys, db):
    scenario = tmp_path / "s.json"
    scenario.write_text(
        json.dumps(
            {
                "city": "shenyang",
                "program": "key_support",
                "level": "national",
                "start_year": 2024,
                "evaluations": [{"year": 2024, "score": 92}],
            }
        ),
        encoding="utf-8",
    )

    def no_checks(*args, **kwargs):
        raise AssertionError("simulate_policy ran the system checks")

    monkeypatch.setattr(checks, "run_checks", no_checks)
    command = load_command_class("policies", "simulate_policy")
    # run_from_argv is what manage.py calls: it runs the checks unless the command opts out.
    command.run_from_argv(["manage.py", "simulate_policy", str(scenario)])
    assert "2024" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["simulate_policy"])
def test_the_command_declares_no_system_checks(name):
    assert load_command_class("policies", name).requires_system_checks == []
