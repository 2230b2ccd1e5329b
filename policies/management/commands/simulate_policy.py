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
        parser.add_argument("scenario", nargs="?", help="scenario JSON file ('-' reads stdin)")
        add_portfolio_arguments(parser)

    def fail(self, message: str) -> None:
        sys.stderr.write(f"simulate_policy: 错误：{message}\n")
        sys.exit(2)

    def handle(self, *args, scenario: str | None = None, **options):
        if options.get("portfolio"):
            self.stdout.write(json.dumps(portfolio_preview(self, **options), ensure_ascii=False))
            return
        if scenario is None:
            self.fail(
                "缺少场景文件（或用 --portfolio CITY --params CHANGES.json 预览参数修改的影响）"
            )
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


# -- --portfolio: the impact preview of a parameter change (issue 20) -----------------------
def add_portfolio_arguments(parser) -> None:
    parser.add_argument(
        "--portfolio", metavar="CITY", help="preview a parameter change over a city's portfolio"
    )
    parser.add_argument(
        "--params", metavar="CHANGES.json", help='parameter changes, e.g. {"cutoff_good": 80}'
    )
    parser.add_argument(
        "--year", type=int, help="first of the three budget years (default: this year)"
    )


def portfolio_preview(command, *, portfolio: str, params: str | None, year: int | None, **_):
    """Return the impact preview as a dict (what the policy parameter page shows)."""
    from django.db import DatabaseError
    from django.db.models import Q
    from django.utils import timezone

    from policies.engine import validate_params
    from policies.impact import impact_preview
    from policies.registry import get_policy
    from policies.selectors import policy_version_for
    from stations.models import City

    if not params:
        command.fail("--portfolio 需要 --params CHANGES.json（参数修改，JSON 对象）")
    try:
        with open(params, encoding="utf-8") as handle:
            changes = json.load(handle)
    except OSError as exc:
        command.fail(f"无法读取参数文件 {params}：{exc.strerror}")
    except json.JSONDecodeError as exc:
        command.fail(f"参数文件不是合法的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）：{exc.msg}")
    if not isinstance(changes, dict):
        command.fail('参数文件须为 JSON 对象，如 {"cutoff_good": 80}')
    try:
        city = City.objects.filter(Q(code=portfolio) | Q(policy_code=portfolio)).first()
    except DatabaseError:
        command.fail("--portfolio 需要已迁移的数据库（读取资助项目和申报）")
    if city is None:
        command.fail(f"未找到城市“{portfolio}”")
    try:
        policy = get_policy(city.policy_code)
        current = policy.params(policy_version_for(city).params)
        proposed = validate_params(policy, {**current, **changes})
    except PolicyError as exc:
        command.fail(str(exc))
    first = year or timezone.localdate().year
    return impact_preview(city, proposed, first_year=first).as_dict()
