"""The architecture's rules, read from the source: app layers, file sizes, city names.

Three rules, each with an explicit list of today's exceptions:

1. **Layers, no import cycles.** The apps form layers (LAYERS, bottom first); a module may
   import its own app, the apps of its layer and the layers below, never above, and no two
   apps import each other. Counted: every `import` / `from … import` in a non-test,
   non-migration module of an app — at module level *and* inside functions and classes
   (a function-level import deferred to dodge a cycle is still a dependency, so it counts).
   Not counted: imports under `if TYPE_CHECKING:` (never executed) and Django's lazy model
   references ("stations.City" in a ForeignKey), which name a table, not a module.
   The policy *rules* (`policies/cities/`, types, registry, engine, …: RULE_MODULES) are their
   own node at the very bottom: pure declarations and functions every app may ask, importing
   no project app; the rest of `policies` (versions in the database, selectors building facts
   from stations' rows, views) sits above stations.
2. **Small files.** A non-test, non-migration .py file of an app has at most MAX_LINES lines,
   unless its first lines say why (`# size: <reason>`).
3. **No city names outside the policy modules.** A city code string ("shenyang", …) or a
   comparison with a city's Chinese name (沈阳, …) outside `policies/cities/` means code
   deciding a city matter by name: ask the CityPolicy instead.

TEMPORARY_* entries are today's offenders in code other branches of issue 14 are rewriting;
the lead removes an entry when its branch lands (a test fails on an entry that no longer
applies, so the lists only shrink).
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Bottom first. An app may import the apps of its own layer and of the layers below it.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("policies.rules",),  # city modules, types, registry, engine: pure, no project imports
    ("accounts",),  # users, roles, scoping, audit, inbox, outbox
    ("stations",),  # cities, societies, host units, experts, stations, activity
    ("network",),  # public directory, enterprises, demands
    ("policies",),  # policy versions, statutory days, facts from stations' rows, what-if views
    ("funding",),  # grants, payments, recoveries, budgets
    ("applications",),  # calls, review workflow, notices; certification creates grants
    ("evaluations",),  # yearly evaluations; a grade's consequence acts on grants
    ("reports", "home", "demo"),  # read or write through every app below; nothing imports them
)
APPS = tuple(app for layer in LAYERS for app in layer if app != "policies.rules")
LAYER_OF = {app: n for n, layer in enumerate(LAYERS) for app in layer}

# The pure part of `policies` (module paths relative to the repository root).
RULE_MODULES = (
    "policies/__init__.py",
    "policies/types.py",
    "policies/stages.py",
    "policies/declarations.py",
    "policies/registry.py",
    "policies/engine.py",
    "policies/common.py",
    "policies/facts.py",
    "policies/labels.py",
    "policies/catalogue.py",
    "policies/workdays.py",
    "policies/cities/",
)

# Upward imports that exist today in code owned by other issue-14 branches:
# (importing app, imported app) -> who removes it.
TEMPORARY_UPWARD_IMPORTS: dict[tuple[str, str], str] = {}

MAX_LINES = 600
SIZE_REASON = re.compile(r"^#\s*size:\s*\S", re.MULTILINE)
# Files over MAX_LINES today, to be split by other branches (path -> who splits it).
TEMPORARY_OVERSIZE: dict[str, str] = {}

CITY_CODES = ("shenyang", "yiyang", "lianyungang", "guiyang", "hangzhou")
CITY_NAMES = ("沈阳", "益阳", "连云港", "贵阳", "杭州")
CODE_RE = re.compile(r"(?<![a-z])(" + "|".join(CITY_CODES) + r")(?![a-z])")
NAME_RE = re.compile("|".join(CITY_NAMES))
# Where naming a city is the point (paths relative to the root; a trailing / is a folder).
CITY_NAME_EXCEPTIONS = {
    "policies/cities/": "the city modules themselves",
    "stations/reference.py": "reference data: the cities and their districts",
    "demo/": "the demo data set of the five cities (with fixtures/demo/)",
    "fixtures/": "demo and test fixtures",
    "locale/": "translations",
    "docs/": "documentation",
}
# Non-test code that decides by city name today (path -> who removes the branch).
TEMPORARY_CITY_NAMES: dict[str, str] = {}


# --------------------------------------------------------------------------- the source


@cache
def _app_files() -> list[Path]:
    files = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.relative_to(ROOT).parts:
                files.append(path)
    return files


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _matches(rel: str, prefixes) -> bool:
    return any(rel == p or (p.endswith("/") and rel.startswith(p)) for p in prefixes)


def node_of_file(rel: str) -> str:
    if _matches(rel, RULE_MODULES):
        return "policies.rules"
    return rel.split("/", 1)[0]


def node_of_module(module: str) -> str | None:
    """Return the node of the project module a dotted name is in (None outside the apps)."""
    if module.split(".", 1)[0] not in APPS:
        return None
    parts = module.split(".")
    for n in range(len(parts), 0, -1):  # the longest prefix that is a module or package
        stem = "/".join(parts[:n])
        if (ROOT / f"{stem}.py").exists():
            return node_of_file(f"{stem}.py")
        if (ROOT / stem / "__init__.py").exists():
            return node_of_file(f"{stem}/__init__.py")
    return parts[0]


def _imports(tree: ast.AST):
    """Yield (import node, imported module names), skipping `if TYPE_CHECKING:` blocks."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                yield from _imports(ast.Module(body=[child], type_ignores=[]))
            continue
        if isinstance(node, ast.Import):
            yield node, [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from policies import registry` imports the submodule: name it.
            yield node, [f"{node.module}.{alias.name}" for alias in node.names]
        yield from _imports(node)


@cache
def import_graph() -> dict[tuple[str, str], list[str]]:
    """Return {(importer, imported): ["path:line", …]} between the nodes of LAYERS."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in _app_files():
        rel = _rel(path)
        source = node_of_file(rel)
        for node, modules in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            for module in modules:
                target = node_of_module(module)
                where = f"{rel}:{node.lineno}"
                if target and target != source and where not in edges[(source, target)]:
                    edges[(source, target)].append(where)
    return edges


def _cycles(edges) -> list[list[str]]:
    """Return one cycle (as a node list) per strongly connected group of nodes."""
    graph = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
    cycles, seen = [], set()
    for start in sorted(graph):
        if start in seen:
            continue
        # Breadth-first from start: the shortest path back to start is a cycle through it.
        paths = {start: [start]}
        queue = [start]
        found = None
        while queue and not found:
            node = queue.pop(0)
            for nxt in sorted(graph[node]):
                if nxt == start:
                    found = paths[node] + [start]
                    break
                if nxt not in paths:
                    paths[nxt] = paths[node] + [nxt]
                    queue.append(nxt)
        if found:
            cycles.append(found)
            seen.update(found)
    return cycles


# --------------------------------------------------------------------------- 1. layers


def test_every_app_has_a_layer():
    on_disk = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert on_disk <= set(APPS), f"put these apps in LAYERS: {sorted(on_disk - set(APPS))}"


def test_policy_rules_import_no_project_app():
    edges = import_graph()
    wrong = {b: where for (a, b), where in edges.items() if a == "policies.rules"}
    assert not wrong, f"the policy rules must stay pure, they import: {wrong}"


def test_no_app_imports_a_layer_above_it():
    edges = import_graph()
    upward = {
        edge: where
        for edge, where in edges.items()
        if LAYER_OF[edge[1]] > LAYER_OF[edge[0]] and edge not in TEMPORARY_UPWARD_IMPORTS
    }
    report = "\n".join(
        f"{a} -> {b}: {', '.join(where)}" for (a, b), where in sorted(upward.items())
    )
    assert not upward, f"imports of a higher layer (see LAYERS):\n{report}"


def test_no_import_cycle_between_apps():
    edges = import_graph()
    counted = {e: w for e, w in edges.items() if e not in TEMPORARY_UPWARD_IMPORTS}
    cycles = _cycles(counted)
    report = "\n".join(
        " -> ".join(cycle)
        + "\n"
        + "\n".join(
            f"  {a} -> {b}: {', '.join(counted[(a, b)])}"
            for a, b in zip(cycle, cycle[1:], strict=False)
        )
        for cycle in cycles
    )
    assert not cycles, f"import cycles between apps:\n{report}"


def test_temporary_upward_imports_still_exist():
    edges = import_graph()
    gone = [edge for edge in TEMPORARY_UPWARD_IMPORTS if edge not in edges]
    assert not gone, f"fixed: remove from TEMPORARY_UPWARD_IMPORTS: {gone}"


def test_relative_imports_name_modules_of_their_own_app():
    """A moved module's `from .x import` must not point into the app it left."""
    missing = []
    for path in _app_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.level:
                continue
            base = path.parent
            for _ in range(node.level - 1):
                base = base.parent
            # `from . import x` names the package itself (x may be any of its attributes).
            target = base / node.module.replace(".", "/") if node.module else base
            if not (target.with_suffix(".py").exists() or (target / "__init__.py").exists()):
                missing.append(f"{_rel(path)}:{node.lineno}")
    assert not missing, f"relative imports of modules that do not exist: {missing}"


# --------------------------------------------------------------------------- 2. file size


@cache
def _oversize() -> dict[str, int]:
    found = {}
    for path in _app_files():
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        head = "\n".join(text.splitlines()[:5])
        if lines > MAX_LINES and not SIZE_REASON.search(head):
            found[_rel(path)] = lines
    return found


def test_no_new_file_over_the_size_limit():
    new = {p: n for p, n in _oversize().items() if p not in TEMPORARY_OVERSIZE}
    assert not new, (
        f"files over {MAX_LINES} lines: split them by concern, or say why in their first "
        f"lines (`# size: <reason>`): {new}"
    )


def test_temporary_oversize_entries_still_apply():
    oversize = _oversize()
    gone = [p for p in TEMPORARY_OVERSIZE if p not in oversize]
    assert not gone, f"split (or explained): remove from TEMPORARY_OVERSIZE: {gone}"


# --------------------------------------------------------------------------- 3. city names


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _strings(node: ast.AST):
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            yield sub


def city_names_in_python(text: str) -> list[str]:
    """Return "line: what" for each city code string and each comparison with a city name."""
    tree = ast.parse(text)
    docstrings = _docstrings(tree)
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings and CODE_RE.search(node.value):
                hits.append(f"{node.lineno}: {node.value[:60]!r}")
        elif isinstance(node, ast.Compare):
            for const in _strings(node):
                if NAME_RE.search(const.value):
                    hits.append(f"{node.lineno}: compares with {const.value[:30]!r}")
    return hits


TEMPLATE_CODE_RE = re.compile(r"""["'](""" + "|".join(CITY_CODES) + r""")["']""")
TEMPLATE_BRANCH_RE = re.compile(
    r"{%\s*(?:el)?if\b[^%]*(?:==|!=|\bin\b)[^%]*(?:" + "|".join(CITY_NAMES) + r")[^%]*%}"
)


def city_names_in_template(text: str) -> list[str]:
    hits = []
    for n, line in enumerate(text.splitlines(), 1):
        if TEMPLATE_CODE_RE.search(line) or TEMPLATE_BRANCH_RE.search(line):
            hits.append(f"{n}: {line.strip()[:80]}")
    return hits


@cache
def _city_name_offenders() -> dict[str, list[str]]:
    found = {}
    candidates = [*_app_files(), *sorted((ROOT / "config").rglob("*.py"))]
    for path in candidates:
        rel = _rel(path)
        if _matches(rel, CITY_NAME_EXCEPTIONS) or "migrations" in path.parts:
            continue
        hits = city_names_in_python(path.read_text(encoding="utf-8"))
        if hits:
            found[rel] = hits
    for path in sorted((ROOT / "templates").rglob("*.html")):
        rel = _rel(path)
        if _matches(rel, CITY_NAME_EXCEPTIONS):
            continue
        hits = city_names_in_template(path.read_text(encoding="utf-8"))
        if hits:
            found[rel] = hits
    return found


def test_the_detector_sees_code_strings_and_name_branches():
    assert city_names_in_python('if city.policy_code == "yiyang":\n    pass\n')
    assert city_names_in_python('TARGETS = {"hangzhou": 3}\n')
    assert city_names_in_python('if city.name in ("沈阳市", "益阳市"):\n    pass\n')
    assert not city_names_in_python('"""Hangzhou\'s rule, see policies/cities/hangzhou."""\n')
    assert not city_names_in_python('LABEL = "杭州市科协"\n')  # a label, not a branch
    assert city_names_in_template('{% if city.policy_code == "guiyang" %}')
    assert city_names_in_template('{% if city.name == "连云港市" %}')
    assert not city_names_in_template("<p>杭州市科协</p>")


def test_no_city_named_outside_the_policy_modules():
    offenders = {p: h for p, h in _city_name_offenders().items() if p not in TEMPORARY_CITY_NAMES}
    report = "\n".join(f"{p}:\n  " + "\n  ".join(h) for p, h in sorted(offenders.items()))
    assert not offenders, (
        "code deciding a city matter by name: declare it on CityPolicy (policies/types.py) "
        f"and ask the policy:\n{report}"
    )


def test_temporary_city_name_entries_still_apply():
    offenders = _city_name_offenders()
    gone = [p for p in TEMPORARY_CITY_NAMES if p not in offenders]
    assert not gone, f"no longer names a city: remove from TEMPORARY_CITY_NAMES: {gone}"
