"""Spreadsheet-cell safety against formula injection, for every export (admin and reports).

Here at the bottom layer because every app's admin exports through accounts.admin_formats.
"""

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(text: str) -> str:
    """Return `text` safe for a spreadsheet cell: a leading formula trigger gets an apostrophe."""
    if text and text.startswith(DANGEROUS_PREFIXES):
        return "'" + text
    return text
