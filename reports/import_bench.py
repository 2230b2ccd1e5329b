"""The legacy imports at province scale, for `make bench` (reports.bench JOBS) and by hand.

Files are built like a clerk's filled-in template (Chinese headers, the bench city's rows,
related rows that exist in the bench data set): new stations of the bench city's existing
societies and host units, and past evaluations of its existing grants. `bad_last` makes the
file's last row invalid in a way only the database lookups can tell (an unknown society, a
grant that does not exist), so the time to refusal covers the whole check, not one cell.

    DATABASE_URL=postgres://… python manage.py shell -c \
        "from reports.import_bench import main; main()"
"""

from __future__ import annotations

import time
from io import BytesIO

from .benchdata import CITY_CODES

BENCH_CITY = CITY_CODES[0]
PREFIX = "基准导入"


def _xlsx(kind: str, rows: list[dict]) -> bytes:
    from openpyxl import Workbook

    from .imports import IMPORTS, header_labels

    labels = dict(header_labels(IMPORTS[kind]))
    columns = list(rows[0]) if rows else []
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(IMPORTS[kind].title)
    ws.append([labels[c] for c in columns])
    for row in rows:
        ws.append([row[c] for c in columns])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def station_rows(n: int, *, tag: str, bad_last: bool = False, city: str = BENCH_CITY) -> list:
    """Up to `n` new stations, each a distinct (society, host unit, program) of the city's
    directory (fewer when a small data set has not that many)."""
    from policies.api import get_policy
    from stations.models import City, HostUnit, Society

    c = City.objects.get(code=city)
    societies = list(Society.objects.filter(city=c).order_by("id").values_list("name", flat=True))
    hosts = list(
        HostUnit.objects.filter(city=c).order_by("id").values_list("credit_code", flat=True)
    )
    pairs = len(societies) * len(hosts)
    programs = list(get_policy(c.policy_code).programs.items())
    rows = []
    for i in range(min(n, pairs * len(programs))):
        program_code, program = programs[i // pairs]
        rows.append(
            {
                "city": city,
                "name": f"{PREFIX}{tag}服务站{i:05d}",
                "society": societies[i % len(societies)],
                "host_unit_credit_code": hosts[(i % pairs) // len(societies)],
                "level": program.levels[0],
                "program": program_code,
                "status": "filed",
                "certified_on": "2024-03-01",
                "term_start": "2024-03-01",
                "term_end": "2027-02-28",
                "industry": "装备制造",
                "discipline": "机械工程",
                "head_name": "李站长",
                "head_mobile": f"139{i:08d}",
            }
        )
    if bad_last and rows:
        rows[-1]["society"] = f"{PREFIX}{tag}不存在的学会"
    return rows


def evaluation_rows(n: int, *, bad_last: bool = False, city: str = BENCH_CITY) -> list:
    """Up to `n` past evaluations: the city's grants × years long before the bench's own."""
    from funding.models import Grant

    grants = list(
        Grant.objects.filter(city__code=city, station__isnull=False)
        .select_related("station")
        .order_by("id")
    )
    years = [*range(2010, 2020), *range(1980, 2010)]
    rows = []
    for i in range(min(n, len(grants) * len(years))):
        grant, year = grants[i % len(grants)], years[i // len(grants)]
        rows.append(
            {
                "city": city,
                "station": grant.station.name,
                "program": grant.program,
                "start_year": grant.start_year,
                "year": year,
                "final_score": 70 + i % 30,
                "grade": "合格",
                "summary": "历年考核（基准导入）",
            }
        )
    if bad_last and rows:
        rows[-1]["station"] = f"{PREFIX}没有的服务站"
    return rows


def run(kind: str, content: bytes, *, user=None, dry_run: bool = False) -> tuple:
    """Import a file as the bench city's administrator; return (report, (seconds, CPU seconds
    of this process): on shared cores the wall time mostly measures the other jobs)."""
    from .bench import bench_users
    from .imports import import_run

    user = user or bench_users()["admin"]
    start, cpu = time.perf_counter(), time.process_time()
    report = import_run(kind=kind, user=user, content=content, dry_run=dry_run)
    return report, (time.perf_counter() - start, time.process_time() - cpu)


def _figures(kind, rows, report, seconds, written) -> dict:
    seconds, cpu = seconds
    return {
        "kind": kind,
        "rows": rows,
        "seconds": round(seconds, 2),
        "import_cpu_seconds": round(cpu, 2),
        "written": written,
        "problems": len(report.problems),
        "first_problem": report.problems[0].message if report.problems else "",
    }


def job_stations_ok(out=None, rows: int = 10_000) -> dict:
    """10,000 new stations, end to end; deleted afterwards so the next run imports them again."""
    from stations.models import Station

    tag = str(int(time.time()))
    lines = station_rows(rows, tag=tag)
    report, seconds = run("stations", _xlsx("stations", lines))
    mine = Station.objects.filter(name__startswith=f"{PREFIX}{tag}")
    written = mine.count()
    Station.history.filter(name__startswith=f"{PREFIX}{tag}").delete()
    mine.delete()
    return _figures("stations", len(lines), report, seconds, written)


def job_stations_bad(out=None, rows: int = 10_000) -> dict:
    """The same file with an unknown society in its last row: refused whole."""
    from stations.models import Station

    tag = "bad" + str(int(time.time()))
    lines = station_rows(rows, tag=tag, bad_last=True)
    report, seconds = run("stations", _xlsx("stations", lines))
    written = Station.objects.filter(name__startswith=f"{PREFIX}{tag}").count()
    return _figures("stations", len(lines), report, seconds, written)


def job_evaluations_ok(out=None, rows: int = 10_000) -> dict:
    """Past evaluations of the bench city's grants; deleted afterwards."""
    from evaluations.models import EvaluationRound, StationEvaluation

    lines = evaluation_rows(rows)
    before = set(EvaluationRound.objects.values_list("pk", flat=True))
    report, seconds = run("evaluations", _xlsx("evaluations", lines))
    mine = StationEvaluation.objects.filter(summary="历年考核（基准导入）")
    written = mine.count()
    mine.delete()
    EvaluationRound.objects.exclude(pk__in=before).delete()
    return _figures("evaluations", len(lines), report, seconds, written)


def job_evaluations_bad(out=None, rows: int = 10_000) -> dict:
    from evaluations.models import StationEvaluation

    lines = evaluation_rows(rows, bad_last=True)
    report, seconds = run("evaluations", _xlsx("evaluations", lines))
    written = StationEvaluation.objects.filter(summary="历年考核（基准导入）").count()
    return _figures("evaluations", len(lines), report, seconds, written)


def job_societies_ok(out=None, rows: int = 10_000) -> dict:
    """The bench's own file (reports.bench._import_file: new societies); deleted afterwards."""
    from stations.models import Society

    from .bench import _import_file

    tag = "s" + str(int(time.time()))
    report, seconds = run("societies", _import_file(rows, bad_last=False, tag=tag))
    mine = Society.objects.filter(name__startswith=f"基准导入{tag}")
    written = mine.count()
    Society.history.filter(name__startswith=f"基准导入{tag}").delete()
    mine.delete()
    return _figures("societies", rows, report, seconds, written)


def job_societies_bad(out=None, rows: int = 10_000) -> dict:
    """Its last row has a level that does not exist (a bad cell: refused before the lookups)."""
    from stations.models import Society

    from .bench import _import_file

    tag = "sbad" + str(int(time.time()))
    report, seconds = run("societies", _import_file(rows, bad_last=True, tag=tag))
    written = Society.objects.filter(name__startswith=f"基准导入{tag}").count()
    return _figures("societies", rows, report, seconds, written)


JOBS = {
    "import_societies_ok": job_societies_ok,
    "import_societies_bad": job_societies_bad,
    "import_stations_ok": job_stations_ok,
    "import_stations_bad": job_stations_bad,
    "import_evaluations_ok": job_evaluations_ok,
    "import_evaluations_bad": job_evaluations_bad,
}


def main(rows: int = 10_000, jobs=tuple(JOBS)) -> None:
    """Run the jobs in this process and print their figures (one JSON line each)."""
    import json
    import os

    for name in jobs:
        figures = JOBS[name](rows=rows)
        figures["load_average"] = os.getloadavg()[0]
        print(name, json.dumps(figures, ensure_ascii=False), flush=True)
