"""No user-controlled order_by or filter keys reach the ORM unchecked.

Sorting goes through whitelists (stations.views.apply_sort), filtering through FilterSets or
explicit field-by-field lookups. This guard fails when code hands request data straight to
`order_by()` or unpacks it into `filter(**...)`.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "accounts",
    "stations",
    "policies",
    "applications",
    "evaluations",
    "funding",
    "network",
    "reports",
]
REQUEST_NAMES = {"request", "GET", "POST", "query_params", "params"}


def names_in(node) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)
    }


def offending_calls(tree):
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr == "order_by" and any(names_in(a) & REQUEST_NAMES for a in node.args):
            yield node.lineno, "order_by(<request data>)"
        if node.func.attr in {"filter", "exclude"}:
            for keyword in node.keywords:
                if keyword.arg is None and names_in(keyword.value) & REQUEST_NAMES:
                    yield node.lineno, f"{node.func.attr}(**<request data>)"


@pytest.mark.parametrize("app", APPS)
def test_request_data_never_reaches_order_by_or_filter_kwargs(app):
    problems = []
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for line, what in offending_calls(ast.parse(path.read_text(encoding="utf-8"))):
            problems.append(f"{path.relative_to(ROOT)}:{line} {what}")
    assert problems == []


def test_unknown_sort_keys_fall_back_to_the_default(personas, login, station):
    client = login(personas["admin"])
    for sort in ("password", "society__users__password", "-id;drop"):
        assert client.get("/stations/", {"sort": sort}).status_code == 200
