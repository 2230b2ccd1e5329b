"""`manage.py simulate_policy SCENARIO.json` — what would this station receive?

Prints one JSON object to stdout (exit 0), or a clear error to stderr (exit 2). Scores
are evaluated with the city's parameters in force today: the newest stored
PolicyVersion, or the module defaults (= version 1) when the database holds none or
cannot be read, so the command also works without a migrated database.
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand

from policies.engine import parse_scenario, simulate
from policies.types import PolicyError


class Command(BaseCommand):
    # A what-if reads no models: skip the system checks (they cost most of the start-up).
    requires_system_checks: list = []
    help = "Simulate a station's yearly grades, payments and status under a city's policy."

    def add_arguments(self, parser):
        parser.add_argument("scenario", help="scenario JSON file ('-' reads stdin)")

    def fail(self, message: str) -> None:
        sys.stderr.write(f"simulate_policy: 错误：{message}\n")
        sys.exit(2)

    def handle(self, *args, scenario: str, **options):
        try:
            if scenario == "-":
                text = sys.stdin.read()
            else:
                with open(scenario, encoding="utf-8") as handle:
                    text = handle.read()
        except OSError as exc:
            self.fail(f"无法读取场景文件 {scenario}：{exc.strerror}")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            self.fail(f"场景文件不是合法的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）：{exc.msg}")
        try:
            parsed = parse_scenario(data)
            from policies.selectors import params_for_simulation

            params, version = params_for_simulation(parsed.city)
            output = simulate(data, params=params, policy_version=version)
        except PolicyError as exc:
            self.fail(str(exc))
        self.stdout.write(json.dumps(output, ensure_ascii=False))
