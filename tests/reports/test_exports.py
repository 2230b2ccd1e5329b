"""List exports: the list's own rows and filters, formula injection, masking, export jobs."""

from __future__ import annotations

import datetime as dt
import time
import tracemalloc

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.roles import Role
from funding.models import Disbursement, Grant
from reports import services
from reports.excel import Formula, neutralise, xl_cell
from reports.excel_stream import write_table
from reports.exports import get_export, params_to_querydict
from reports.models import ExportJob
from stations.choices import Level, StationStatus
from tests.factories import StationFactory, UserFactory, city

from .helpers import open_xlsx

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil","x")',
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
        "=cmd|' /C calc'!A0",
    ],
)
def test_formula_triggers_are_written_as_text(text):
    from openpyxl import Workbook

    ws = Workbook(write_only=True).create_sheet()
    cell = xl_cell(ws, text)
    assert cell.data_type == "s"
    assert cell.value == "'" + text
    assert neutralise("普通文本") == "普通文本"
    assert xl_cell(ws, Formula("=SUM(A1:A2)")).data_type == "f"
    assert xl_cell(ws, 12).data_type == "n"


def test_station_export_neutralises_hostile_names_and_follows_the_filters(
    personas, client, shenyang
):
    hostile = StationFactory(city=shenyang, name='=HYPERLINK("http://127.0.0.1:9/","点我")')
    StationFactory(city=shenyang, name="被筛掉的服务站", status=StationStatus.REVOKED)
    StationFactory(city=city("hangzhou"), name="杭州的站")
    client.force_login(personas["admin"])
    response = client.get(
        reverse("reports:list_export", args=["stations"]),
        {"status": StationStatus.CERTIFIED, "download": "1"},
    )
    assert response.status_code == 200
    ws = open_xlsx(response.content).active
    names = [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)]
    assert "'" + hostile.name in names
    assert "被筛掉的服务站" not in names and "杭州的站" not in names
    assert all(
        ws.cell(r, c).data_type != "f" for r in range(1, ws.max_row + 1) for c in range(1, 15)
    )
    assert ws.freeze_panes == "A2"
    assert AuditEvent.objects.filter(event="reports.list_exported").exists()


def test_every_list_kind_exports_for_a_city_admin(personas, client):
    client.force_login(personas["admin"])
    for kind in ("stations", "applications", "evaluations", "disbursements"):
        page = client.get(reverse("reports:list_export", args=[kind]))
        assert page.status_code == 200, kind
        response = client.get(reverse("reports:list_export", args=[kind]), {"download": "1"})
        assert response.status_code == 200, kind
        ws = open_xlsx(response.content).active
        assert ws.cell(1, 1).value, kind


def test_unknown_export_kind_is_404(personas, client):
    client.force_login(personas["admin"])
    assert client.get(reverse("reports:list_export", args=["passwords"])).status_code == 404


@pytest.fixture
def guiyang_disbursement(guiyang_money):
    return Disbursement.objects.filter(grant__station__city=guiyang_money["city"]).first()


def test_bank_accounts_are_masked_except_for_finance(guiyang_money, guiyang_disbursement, client):
    url = reverse("reports:list_export", args=["disbursements"])
    client.force_login(guiyang_money["admin"])
    ws = open_xlsx(client.get(url, {"download": "1"}).content).active
    header = [c.value for c in ws[1]]
    col = header.index("收款账号") + 1
    amount_col = header.index("金额（元）") + 1
    assert ws.cell(2, col).value.endswith("4567") and ws.cell(2, col).value != "6222020200001234567"
    assert isinstance(ws.cell(2, amount_col).value, int)
    client.force_login(guiyang_money["finance"])
    ws = open_xlsx(client.get(url, {"download": "1"}).content).active
    assert ws.cell(2, col).value == "6222020200001234567"


def test_a_payment_keeps_the_masked_copy_of_its_account_by_save_and_bulk_create(
    guiyang_disbursement,
):
    """The masked copy is what the masked view shows, written on every kind of insert."""
    d = guiyang_disbursement
    assert d.payee_account_masked == "***************4567"
    d.pk, d.year, d.voucher_no = None, d.year + 10, "V-bulk"
    d.payee_account_no = "6222020200009876543"
    (made,) = Disbursement.objects.bulk_create([d])
    stored = Disbursement.objects.values_list("payee_account_masked", flat=True).get(pk=made.pk)
    assert stored == "***************6543"


@pytest.mark.parametrize(("who", "decrypted"), [("admin", False), ("finance", True)])
def test_an_export_decrypts_only_the_numbers_it_shows_in_full(
    guiyang_money, guiyang_disbursement, client, monkeypatch, who, decrypted
):
    """Never decrypt what is not shown: an administrator's export (every number masked)
    opens no token; finance's opens one per row and shows the full numbers."""
    from stations import fields

    calls = []
    real = fields.cipher

    def counting_cipher():
        calls.append(1)
        return real()

    monkeypatch.setattr(fields, "cipher", counting_cipher)
    client.force_login(guiyang_money[who])
    url = reverse("reports:list_export", args=["disbursements"])
    ws = open_xlsx(client.get(url, {"download": "1"}).content).active
    header = [c.value for c in ws[1]]
    col = header.index("收款账号")
    numbers = [
        row[col] for row in ws.iter_rows(min_row=2, max_row=ws.max_row - 1, values_only=True)
    ]
    assert numbers and len(calls) == (len(numbers) if decrypted else 0)
    expected = "6222020200001234567" if decrypted else "***************4567"
    assert set(numbers) == {expected}


def test_a_payment_without_its_masked_copy_is_still_masked(
    guiyang_money, guiyang_disbursement, client
):
    """A row the copy missed (written by raw SQL, say) falls back to masking the number."""
    Disbursement.objects.filter(pk=guiyang_disbursement.pk).update(payee_account_masked="")
    client.force_login(guiyang_money["admin"])
    url = reverse("reports:list_export", args=["disbursements"])
    ws = open_xlsx(client.get(url, {"download": "1"}).content).active
    col = [c.value for c in ws[1]].index("收款账号")
    numbers = {
        row[col] for row in ws.iter_rows(min_row=2, max_row=ws.max_row - 1, values_only=True)
    }
    assert numbers == {"***************4567"}


# --- export jobs ---------------------------------------------------------------------------


def test_big_list_becomes_a_job_with_progress_and_an_owner_only_expiring_download(
    personas, client, settings, shenyang, django_capture_on_commit_callbacks
):
    settings.REPORTS_SYNC_EXPORT_MAX = 2
    for _ in range(3):
        StationFactory(city=shenyang)
    client.force_login(personas["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("reports:list_export", args=["stations"]), {"download": "1"})
    job = ExportJob.objects.get(owner=personas["admin"])
    assert response.status_code == 302 and response.url == reverse("reports:job", args=[job.pk])
    assert job.status == ExportJob.Status.DONE  # eager Celery: ran after the commit
    assert job.row_count == 4 and job.progress == 100
    page = client.get(response.url)
    assert b'data-testid="job-download"' in page.content
    assert b"hx-trigger" not in page.content  # finished: polling stops
    download = client.get(reverse("reports:job_download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    ws = open_xlsx(b"".join(download.streaming_content)).active
    assert ws.max_row == 5
    # Another user, even of the same city and role, gets a 404 like for a missing job.
    client.force_login(UserFactory(role=Role.CITY_ADMIN, city=shenyang))
    assert client.get(reverse("reports:job_download", args=[job.pk])).status_code == 404
    assert client.get(reverse("reports:job_progress", args=[job.pk])).status_code == 404
    # Expired: refused, then purged.
    client.force_login(personas["admin"])
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(reverse("reports:job_download", args=[job.pk])).status_code == 410
    assert services.export_jobs_purge() == 1
    job.refresh_from_db()
    assert not job.file


def test_a_pending_job_page_polls_with_htmx_and_no_inline_script(personas, client):
    job = ExportJob.objects.create(owner=personas["admin"], kind="stations")
    client.force_login(personas["admin"])
    body = client.get(reverse("reports:job", args=[job.pk])).content.decode()
    assert 'hx-get="{}"'.format(reverse("reports:job_progress", args=[job.pk])) in body
    assert 'hx-trigger="every 1s"' in body
    assert "<script>" not in body.replace(" ", "")
    assert services.export_job_run(job_id=job.pk).status == ExportJob.Status.DONE
    assert services.export_job_run(job_id=job.pk) is None  # redelivered: nothing twice


# --- streaming: 50,000 disbursements ---------------------------------------------------------

ROWS = 50_000
TRACE_FROM_ROW = 40_000
# Memory bound of the streaming path (write-only workbook, queryset read as tuples in chunks
# of 2,000). tracemalloc multiplies openpyxl's run time about sevenfold, so tracing the
# whole run would take minutes; instead the test traces the steady state: tracing starts
# when 40,000 rows are written and covers the last 10,000 rows plus the final save.
# - peak of what was allocated in that window: < 8 MB (measured ~2–4 MB);
# - memory still held at the end of the window: < 2 MB (flat: nothing accumulates per row).
# A non-streaming workbook keeps every cell (~0.5 KB a row of 12 cells), i.e. > 5 MB for
# those 10,000 rows alone and > 25 MB for the file, so either bound catches a regression.
WINDOW_PEAK_BOUND = 8 * 1024 * 1024
WINDOW_HELD_BOUND = 2 * 1024 * 1024


@pytest.fixture
def fifty_thousand_disbursements(shenyang):
    admin = UserFactory(role=Role.FINANCE, city=shenyang)
    station = StationFactory(city=shenyang, level=Level.NATIONAL, program="key_support")
    grants = Grant.objects.bulk_create(
        [
            Grant(
                station=station,
                **Grant.parties_of(station),
                program="key_support",
                level="national",
                start_year=1000 + i,
                amount=30000,
                policy_version=1,
                created_by=admin,
            )
            for i in range(1000)
        ]
    )
    today = timezone.localdate()
    batch = []
    for grant in grants:
        for year in range(2000, 2050):
            batch.append(
                Disbursement(
                    grant=grant,
                    year=year,
                    amount=30000,
                    approved_by=admin,
                    paid_on=today,
                    voucher_no=f"V{grant.pk}-{year}",
                    payee_account_name="某单位",
                    payee_bank="中国银行",
                    payee_account_no="6222020200001234567",
                )
            )
    Disbursement.objects.bulk_create(batch, batch_size=5000)
    assert Disbursement.objects.count() == ROWS
    return admin


def test_fifty_thousand_rows_stream_with_flat_memory(fifty_thousand_disbursements, monkeypatch):
    user = fifty_thousand_disbursements
    job = ExportJob.objects.create(owner=user, kind="disbursements")
    real_write_table = services.write_table

    def traced_write_table(stream, *, progress, **kwargs):
        def hook(done):
            if done >= TRACE_FROM_ROW and not tracemalloc.is_tracing():
                tracemalloc.start()
            progress(done)

        return real_write_table(stream, progress=hook, **kwargs)

    monkeypatch.setattr(services, "write_table", traced_write_table)
    started = time.monotonic()
    try:
        services.export_job_run(job_id=job.pk)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.monotonic() - started
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.row_count == ROWS
    print(
        f"\n50k export: window peak {peak / 2**20:.1f} MB, held {held / 2**20:.1f} MB, {elapsed:.1f} s"
    )
    assert peak < WINDOW_PEAK_BOUND, f"peak {peak / 2**20:.1f} MB"
    assert held < WINDOW_HELD_BOUND, f"held {held / 2**20:.1f} MB"
    from openpyxl import load_workbook

    ws = load_workbook(job.file.path, read_only=True).active
    rows = ws.iter_rows(values_only=True)
    assert next(rows)[0] == "服务站"
    count = 1 + sum(1 for _ in rows)
    assert count == ROWS + 2  # header, rows, totals


def test_write_table_counts_rows_and_adds_a_sum_row():
    from io import BytesIO

    export = get_export("disbursements")
    assert export.columns  # registry builds
    out = BytesIO()
    from reports.excel import Column

    cols = (Column("名称", lambda r: r[0]), Column("金额", lambda r: r[1], total=True))
    assert write_table(out, title="t", columns=cols, rows=[("a", 1), ("b", 2)]) == 2
    ws = open_xlsx(out.getvalue()).active
    assert ws["B4"].value == "=SUM(B2:B3)"
    assert params_to_querydict({"q": ["x"]}).get("q") == "x"


def test_station_list_has_an_export_button_carrying_its_filters(personas, client):
    client.force_login(personas["admin"])
    body = client.get(reverse("stations:station_list"), {"status": "certified", "sort": "-name"})
    html = body.content.decode()
    assert 'data-testid="export-xlsx"' in html
    assert "/reports/export/stations/?status=certified&amp;sort=-name&amp;download=1" in html


def test_reports_index_for_each_role(personas, client):
    for key in ("admin", "finance", "society", "super"):
        client.force_login(personas[key])
        assert client.get(reverse("reports:index")).status_code == 200, key


def _expected_disbursement_rows(user):
    """The disbursement list as the models say it, built without reports.exports."""
    from accounts.scoping import scope_queryset
    from policies.api import get_policy
    from stations.privacy import bank_account_for

    rows = []
    queryset = scope_queryset(user, Disbursement.objects.all()).select_related(
        "grant__station", "grant__application", "grant__city", "grant__society", "approved_by"
    )
    for d in queryset.order_by("grant__station__name", "grant_id", "year"):
        grant = d.grant
        program = get_policy(grant.city.policy_code).programs[grant.program].label_zh
        rows.append(
            (
                grant.station.name if grant.station_id else grant.application.title,
                grant.city.name,
                grant.society.name,
                program,
                d.year,
                d.amount,
                dt.datetime.combine(d.paid_on, dt.time()),
                d.voucher_no,
                d.payee_account_name,
                d.payee_bank,
                bank_account_for(user, d.payee_party, d.payee_account_no),
                d.approved_by.full_name or d.approved_by.username,
            )
        )
    return rows


@pytest.mark.parametrize("who", ["finance", "admin", "super"])
def test_disbursement_export_reads_back_as_the_models_say(
    guiyang_money, hangzhou_money, personas, client, who
):
    """values_list rows, itemgetter columns and the fast decryption change nothing a
    reader of the workbook sees: every cell, its type and its number format."""
    user = {"finance": guiyang_money["finance"], "admin": guiyang_money["admin"]}.get(who)
    user = user or personas["super"]
    client.force_login(user)
    response = client.get(reverse("reports:list_export", args=["disbursements"]), {"download": "1"})
    ws = open_xlsx(response.content).active
    rows = list(ws.iter_rows(min_row=2, max_row=ws.max_row - 1))
    expected = _expected_disbursement_rows(user)
    assert len(expected) >= 4
    assert [tuple(c.value for c in row) for row in rows] == expected
    assert {row[4].number_format for row in rows} == {"0"}
    assert {row[5].number_format for row in rows} == {"#,##0"}
    assert {row[6].number_format for row in rows} == {"yyyy-mm-dd"}
    accounts = {row[10].value for row in rows}
    if who == "finance":
        assert accounts == {"6222020200001234567"}
    else:
        assert accounts == {"***************4567"}
    assert ws.cell(ws.max_row, 6).value == f"=SUM(F2:F{ws.max_row - 1})"


def test_sheet_writer_append_writes_what_append_values_writes():
    from io import BytesIO

    from reports.excel import SheetWriter, new_workbook

    from .helpers import tricky_table

    columns, rows = tricky_table()

    def sheet(by_object: bool):
        wb = new_workbook()
        writer = SheetWriter.create(wb, "t", columns)
        for row in rows:
            if by_object:
                writer.append(row)
            else:
                writer.append_values(col.get(row) for col in columns)
        writer.totals_row()
        out = BytesIO()
        wb.save(out)
        ws = open_xlsx(out.getvalue()).active
        return [[(c.value, c.data_type, c.number_format) for c in r] for r in ws.iter_rows()]

    assert sheet(True) == sheet(False)
    assert sheet(True)[1][0] == ("'" + rows[0][0], "s", "General")
