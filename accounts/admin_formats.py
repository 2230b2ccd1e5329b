"""Django-admin export formats (django-import-export) with the app's spreadsheet-cell safety.

The library's own IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only drops one leading "=" (so
"==1+1" still becomes a formula and "+", "-", "@" pass). These formats run every text cell
through accounts.cells.neutralise — the same helper the app's own exports use — and are the
only ones an admin with SafeExportMixin offers."""

from __future__ import annotations

from import_export.formats import base_formats

from .cells import neutralise


class _SafeCells:
    def _escape_formulae(self, dataset):
        rows = [
            [neutralise(cell) if isinstance(cell, str) else cell for cell in row] for row in dataset
        ]
        del dataset[0 : len(dataset)]
        for row in rows:
            dataset.append(row)

    def export_data(self, dataset, **kwargs):
        self._escape_formulae(dataset)
        return super().export_data(dataset, **kwargs)


class SafeCSV(_SafeCells, base_formats.CSV):
    pass


class SafeTSV(_SafeCells, base_formats.TSV):
    pass


class SafeXLSX(_SafeCells, base_formats.XLSX):
    pass


EXPORT_FORMATS = [SafeXLSX, SafeCSV, SafeTSV]


class SafeExportMixin:
    """For every ModelAdmin with django-import-export's export: offer only the safe formats."""

    @property
    def export_formats(self):
        return EXPORT_FORMATS
