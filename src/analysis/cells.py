"""Values as the product writes them into spreadsheet cells and CSV fields.

A spreadsheet program runs any cell text that starts with one of = + - @ (and, after a tab or
carriage return it ignores, the same) as a formula: a unit name "=HYPERLINK(…)" in a CSV or an
openpyxl cell becomes a live link or worse (CSV/formula injection, OWASP). Every spreadsheet and
CSV the product writes passes its values through `safe`, which prefixes such text with a single
quote (') — OWASP's recommendation — so the program shows it as text and runs nothing.
Numbers, dates, booleans and None are returned unchanged: a negative number stays a number.

Intake refuses text cells that start with "=" (after white space): they are formulas or their
results pasted wrong; text starting with + - @ is legitimate data ("-", "+86…", "@某部门") and is
stored as typed — neutralised only on the way out. A leading ' before formula-like text is
Excel's own mark for "this is text" and exactly what `safe` adds, so intake drops it (`unquote`):
a file the product wrote (an annotated copy) reads back as the values it was written from."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""OWASP's list of characters a spreadsheet reads as the start of a formula."""


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would read the text as a formula (or command)."""
    return bool(text) and (text[0] in FORMULA_STARTS or text.lstrip(" \t\r\n")[:1] in FORMULA_STARTS[:4])


def safe(value):
    """The value to put in a spreadsheet cell or CSV field: formula-like text quoted with a
    leading ', anything else unchanged."""
    if isinstance(value, str) and formula_like(value):
        return "'" + value
    return value


def safe_row(values) -> list:
    return [safe(v) for v in values]


def unquote(text: str) -> str:
    """Text as a clerk meant it: the ' that `safe` (or Excel) puts before formula-like text removed."""
    if text.startswith("'") and formula_like(text[1:]):
        return text[1:]
    return text
