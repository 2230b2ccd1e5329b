"""Legacy imports from Excel (django-import-export): preview, then all or nothing.

The directory resources are stations.resources' own (natural keys, city scoping, audit),
switched to full model validation; past evaluations and payments are declared beside them
(reports.import_resources, with the kinds; columns and templates: reports.import_columns;
repeated rows and payments: reports.import_checks). A file with any invalid row — bad credit
code, unknown society, a station named twice, an amount that is not a number, another city's
row — is refused whole with a row-by-row report in Chinese, and nothing is written: every row
is checked in memory against lookups loaded once per file before the first write, and a clean
file is then written in bulk in one transaction (reports.import_bulk). Importing the same
file again changes nothing (natural keys, `skip_unchanged`). Templates carry Chinese headers;
English column names are accepted too.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import tablib
from django.apps import apps
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    MultipleObjectsReturned,
    ObjectDoesNotExist,
    ValidationError,
)
from django.db import DatabaseError, models, transaction
from django.utils import timezone

from .import_checks import RowProblem, duplicate_rows, payment_problems

# Columns and template (import_columns), resources and kinds (import_resources) were moved
# out by concern; callers and tests still import every name from here.
from .import_columns import (  # noqa: F401
    CHOICE_SYNONYMS,
    CITY_LABEL,
    CODE_COLUMNS,
    HEADER_ALIASES,
    NUMBER_TEXT_COLUMNS,
    YEAR_COLUMNS,
    ColumnSpec,
    _city_choices,
    _label_for,
    _model_field,
    _program_choices,
    column_specs,
    header_labels,
    template_xlsx,
)
from .import_resources import (  # noqa: F401
    CITY_NAME_TOKEN,
    CITY_PLACEHOLDER,
    CITY_TOKEN,
    IMPORT_NOTE,
    IMPORTS,
    AmountWidget,
    CnDateWidget,
    ExpertImport,
    FileIndexedCity,
    FileIndexedForeignKey,
    FileLookups,
    GradeWidget,
    GrantWidget,
    HostUnitImport,
    ImportKind,
    PastEvaluationResource,
    PaymentResource,
    ScoreWidget,
    SocietyImport,
    StationImport,
    grant_columns,
)
from .import_sheets import (
    SERIAL_HEADERS,
    CellError,
    SheetUnreadable,
    header_key,
    is_blank,
    read_sheet,
    sniff_format,
)

logger = logging.getLogger(__name__)

# --- running --------------------------------------------------------------------------------


@dataclass
class ImportReport:
    kind: ImportKind
    rows: int = 0
    new: int = 0
    updated: int = 0
    skipped: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "kind": self.kind.kind,
            "rows": self.rows,
            "new": self.new,
            "updated": self.updated,
            "skipped": self.skipped,
            "problems": [vars(p) for p in self.problems],
            "notes": list(self.notes),
            "written": self.written,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ImportReport:
        return cls(
            kind=IMPORTS[data["kind"]],
            rows=data.get("rows", 0),
            new=data.get("new", 0),
            updated=data.get("updated", 0),
            skipped=data.get("skipped", 0),
            problems=[RowProblem(**p) for p in data.get("problems", [])],
            notes=list(data.get("notes", [])),
            written=data.get("written", False),
        )


def count_rows(content: bytes) -> int:
    """How many rows a file has (title and blank rows included): decides job or request."""
    from .import_sheets import raw_rows

    try:
        return len(raw_rows(content))
    except SheetUnreadable:
        return 0


def _model_label(exc: Exception) -> str:
    for model in apps.get_models():
        if isinstance(exc, model.DoesNotExist | model.MultipleObjectsReturned):
            return str(model._meta.verbose_name)
    return "关联记录"


def _message(exc: Exception) -> str:
    if isinstance(exc, ObjectDoesNotExist):
        return f"找不到对应的{_model_label(exc)}：请核对名称或代码，且须为本市已有的数据。"
    if isinstance(exc, MultipleObjectsReturned):
        return f"对应的{_model_label(exc)}不止一个，请补充区分信息。"
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    text = str(exc)
    return text if any("\u4e00" <= ch <= "\u9fff" for ch in text) else f"数据有误：{text}"


@dataclass
class PreparedFile:
    """A file read and normalised: rows keyed by column code, each with its sheet row number."""

    dataset: tablib.Dataset
    numbers: list[int]  # numbers[i] is the sheet row of dataset row i
    headers: dict[str, str]  # column code -> header as written in the sheet
    problems: list[RowProblem]
    notes: list[str]

    def sheet_row(self, dataset_number: int) -> int:
        """import-export counts data rows from 1."""
        index = dataset_number - 1
        return self.numbers[index] if 0 <= index < len(self.numbers) else dataset_number + 1

    def header(self, code: str) -> str:
        return self.headers.get(code, "")

    def without(self, rows: set[int]) -> PreparedFile:
        """The file without the given sheet rows (their cells are refused already)."""
        keep = [i for i, number in enumerate(self.numbers) if number not in rows]
        dataset = tablib.Dataset(headers=self.dataset.headers)
        for i in keep:
            dataset.append(self.dataset[i])
        return PreparedFile(dataset, [self.numbers[i] for i in keep], self.headers, [], self.notes)


def _known_headers(kind: ImportKind) -> dict[str, str]:
    """Header spellings → column code: code, template label, the label without its
    parenthetical, 是否+label for yes/no columns, and a few legacy synonyms."""
    resource = kind.resource()
    model = resource._meta.model
    known: dict[str, str] = {}
    pairs = header_labels(kind)
    for code, label in pairs:
        names = [code, re.sub(r"（[^）]*）|\([^)]*\)", "", label), *HEADER_ALIASES.get(code, ())]
        field_ = resource.fields[
            next(n for n, x in resource.fields.items() if x.column_name == code)
        ]
        if isinstance(_model_field(model, field_.attribute), models.BooleanField):
            names.append(f"是否{label}")
        for name in names:
            known.setdefault(header_key(name), code)
    for code, label in pairs:  # the template's own labels win over aliases
        known[header_key(label)] = code
    return known


def prepare(kind: ImportKind, content: bytes) -> PreparedFile:
    """Read the file, find its header row, and normalise every cell; report bad cells."""
    known = _known_headers(kind)
    sheet = read_sheet(
        content, lambda key: known.get(key) or (key if key in SERIAL_HEADERS else None)
    )
    specs = column_specs(kind)
    problems: list[RowProblem] = []
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    unknown = []
    for index, text in enumerate(sheet.headers):
        key = header_key(text)
        if not key:
            if any(not is_blank(r.cells[index]) for r in sheet.rows if index < len(r.cells)):
                unknown.append(f"第 {index + 1} 列（无表头）")
            continue
        if key in SERIAL_HEADERS:
            continue
        code = known.get(key)
        if code is None:
            unknown.append(f"“{text}”")
        elif code in positions:
            problems.append(
                RowProblem(
                    sheet.header_row, code, f"“{text}”与“{headers[code]}”是同一列，重复了。", text
                )
            )
        else:
            positions[code] = index
            headers[code] = text
    if unknown:
        problems.append(
            RowProblem(
                sheet.header_row,
                "",
                f"无法识别的列：{'、'.join(unknown)}。可用的表头："
                f"{'、'.join(label for _c, label in header_labels(kind))}（见模板的“填写说明”）。",
            )
        )
    resource = kind.resource()
    missing = [
        resource.fields[c].column_name
        for c in resource.get_import_id_fields()
        if resource.fields[c].column_name not in positions
    ]
    if missing:
        labels = dict(header_labels(kind))
        problems.append(
            RowProblem(
                sheet.header_row,
                "",
                f"缺少必需的列：{'、'.join(labels.get(c, c) for c in missing)}（请使用下载的模板）。",
            )
        )
    codes = list(positions)
    dataset = tablib.Dataset(headers=codes)
    numbers: list[int] = []
    notes: list[str] = []
    if problems:
        return PreparedFile(dataset, numbers, headers, problems, notes)
    id_columns = [resource.fields[c].column_name for c in resource.get_import_id_fields()]
    order = ["city", *[c for c in codes if c != "city"]]  # programs are read in the row's city
    for row in sheet.rows:
        values: dict[str, Any] = {}
        for code in order:
            if code not in positions:
                continue
            index = positions[code]
            raw = row.cells[index] if index < len(row.cells) else None
            spec = specs[code]
            try:
                value = spec.clean(raw, values)
            except CellError as exc:
                problems.append(RowProblem(row.number, code, str(exc), headers[code]))
                value = ""
            if value is None and spec.default is not None:
                value = spec.default
            values[code] = "" if value is None else value
        if _is_example(kind, values, id_columns):
            notes.append(f"第 {row.number} 行是模板的示例行，已忽略。")
            continue
        dataset.append([values[c] for c in codes])
        numbers.append(row.number)
    return PreparedFile(dataset, numbers, headers, problems, notes)


def _is_example(kind: ImportKind, values: dict, id_columns: list[str]) -> bool:
    # Whatever city it was downloaded in: the example names are the same in every city.
    example = kind.example
    keys = [c for c in id_columns if c in example and c != "city"]
    if kind.resource in (PastEvaluationResource, PaymentResource):
        keys = ["station", "program", "start_year"]
    return bool(keys) and all(str(values.get(c, "")) == str(example.get(c, "")) for c in keys)


def load_dataset(content: bytes, kind: ImportKind) -> tablib.Dataset:
    """The file's rows keyed by column code, normalised (kept for callers and tests)."""
    return prepare(kind, content).dataset


def _row_problems(row: int, error_dict: dict, resource, prepared: PreparedFile) -> list[RowProblem]:
    """A row's validation errors by column (a field the file does not fill is noise)."""
    columns = {f.column_name for f in resource.get_import_fields()}
    attribute_to_column = {
        (f.attribute or "").split("__")[0]: f.column_name for f in resource.get_import_fields()
    }
    found = []
    for name, messages in error_dict.items():
        column = attribute_to_column.get(name, name)
        if name == NON_FIELD_ERRORS:
            column = ""
        elif column not in columns:
            continue  # an internal field the file does not fill (approved_by…): noise
        for message in messages:
            found.append(RowProblem(row, column, str(message), prepared.header(column)))
    return found or [RowProblem(row, "", "这一行的数据不完整，请对照模板检查。")]


def _collect(result, report: ImportReport, prepared: PreparedFile, resource) -> None:
    for number, errors in result.row_errors():
        for error in errors:
            report.problems.append(
                RowProblem(prepared.sheet_row(number), "", _message(error.error))
            )
    for invalid in result.invalid_rows:
        row = prepared.sheet_row(invalid.number)
        report.problems.extend(_row_problems(row, invalid.error_dict, resource, prepared))
    # What only the whole file tells: a unique key taken by another row or the database
    # (a row reported already, e.g. as a repeat of an earlier row, is not reported twice).
    reported = {p.row for p in report.problems}
    for number, error_dict in resource.planned_problems():
        row = prepared.sheet_row(number)
        if row not in reported:
            report.problems.extend(_row_problems(row, error_dict, resource, prepared))
    for error in result.base_errors:
        report.problems.append(RowProblem(0, "", _message(error.error)))
    report.new = result.totals.get("new", 0)
    report.updated = result.totals.get("update", 0)
    report.skipped = result.totals.get("skip", 0)


def import_check(
    *, kind: str, content: bytes, user=None
) -> tuple[ImportReport, PreparedFile | None]:
    """Read and validate a whole file without writing: cells, duplicates, payments.

    Return the report and the rows still to check against the database: all but those with a
    refused cell or repeating an earlier row (None, or no rows, when the file or its header
    row cannot be used)."""
    spec = IMPORTS[kind]
    report = ImportReport(kind=spec)
    try:
        prepared = prepare(spec, content)
    except SheetUnreadable as exc:
        report.problems.append(RowProblem(0, "", str(exc)))
        return report, None
    report.rows = len(prepared.dataset)
    report.notes = prepared.notes
    report.problems.extend(prepared.problems)
    if report.problems and not prepared.numbers:  # the header row: no row was read
        return report, prepared
    # Every other row is still checked, so the report lists the whole file's problems; a row
    # repeating an earlier one is reported as that, and not checked again.
    rest = prepared.without({p.row for p in prepared.problems})
    repeats = duplicate_rows(rest, spec.resource())
    report.problems.extend(repeats)
    rest = rest.without({p.row for p in repeats})
    if spec.resource is PaymentResource:
        report.problems.extend(payment_problems(rest, today=timezone.localdate()))
    return report, rest


PROGRESS_EVERY = 200


def import_run(*, kind: str, user, content: bytes, dry_run: bool, progress=None) -> ImportReport:
    """Check (dry run) or import a file; any problem means nothing is written.

    Two passes (reports.import_bulk): every row is read, resolved against the file's lookups
    and validated in memory, and all problems are collected, before anything is written; a
    clean file is then written in bulk in one transaction. `progress(done, total)` follows
    the rows (the import jobs show it): a real import counts each row half when checked and
    half when written.
    """
    report, prepared = import_check(kind=kind, content=content, user=user)
    if prepared is None or (report.problems and not prepared.numbers):
        return report
    resource = IMPORTS[kind].resource()
    total = report.rows
    share = 1 if dry_run else 2

    def tell(units: int) -> None:
        if progress is not None:
            progress(units // share, total)

    tell(0)
    original = resource.import_row
    checked = [0]

    def import_row(row, instance_loader, **kwargs):
        try:
            return original(row, instance_loader, **kwargs)
        finally:  # a refused row counts as checked too
            checked[0] += 1
            if checked[0] % PROGRESS_EVERY == 0:
                tell(checked[0])

    resource.import_row = import_row
    # The check pass plans every row and saves none (BulkRows), so it needs no transaction:
    # outside one, the job's progress is seen as it advances.
    result = resource.import_data(
        prepared.dataset, dry_run=False, raise_errors=False, use_transactions=False, user=user
    )
    _collect(result, report, prepared, resource)
    if report.problems or dry_run:
        return report
    tell(total)
    from network.public_cache import bump, deferred

    try:
        # All or nothing: one transaction (its progress is seen when it commits). One
        # directory-cache bump for the file: bulk writes send no post_save signals.
        with deferred(), transaction.atomic():
            planned = max(1, len(resource.planned))  # unchanged rows are not written
            resource.write(
                user=user,
                totals=result.totals,
                progress=lambda done: tell(total + done * total // planned),
            )
            bump()
    except DatabaseError:
        # E.g. someone else saved the same record since the check: nothing of the file is kept.
        logger.exception("import of %s refused by the database", kind)
        report.problems.append(
            RowProblem(
                0,
                "",
                "写入时数据库拒绝了这批数据（可能有人同时修改了相同的记录），未写入任何数据："
                "请重新上传检查后导入。",
            )
        )
        return report
    report.written = True
    return report


def check_legacy_upload(upload) -> None:
    """An .xls or CSV upload: name, size, and content matching the extension (an .xlsx goes
    through stations.uploads.validate_upload)."""
    from django.utils.translation import gettext as _

    from stations.uploads import clean_original_name, max_upload_bytes

    name = clean_original_name(getattr(upload, "name", ""))
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if upload.size == 0 or upload.size > max_upload_bytes():
        raise ValidationError(_("文件“%(name)s”为空或过大。"), params={"name": name})
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    try:
        kind = sniff_format(head) if head else ""
    except SheetUnreadable:
        kind = ""
    if ext not in {"xls", "csv"} or kind != ext:
        raise ValidationError(
            _("文件“%(name)s”类型不符：只接受 .xlsx、.xls 或 CSV 文件（按文件内容检查）。"),
            params={"name": name},
        )


def problems_sorted(problems: Sequence[RowProblem]) -> list[RowProblem]:
    return sorted(problems, key=lambda p: (p.row, p.column))
