"""Generate the corpus of malformed CSV-ish files and the behaviour each must produce.

Run ``.venv/bin/python tests/corpus/make_corpus.py`` from the repository root to rewrite
the files in ``tests/corpus/`` and ``expectations.json``. Everything is derived from the
first 20 rows of ``data/demo_cohort.csv`` and is deterministic (fixed seeds, fixed line
endings), so ``tests/test_corpus.py`` can check that the committed files match this
script byte for byte.

Each expectation is either a whole-file error::

    {"exit": 1, "message_contains": "..."}

(one plain line on stderr, no traceback, no output file), or a processed file::

    {"exit": 0, "read": N, "scored": S, "rejected": R,
     "reason_contains": {"row": "text" | ["text", ...]},     # rejected rows (1-based data row)
     "flags_contains": {"row": "text" | ["text", ...]},      # flags of scored rows
     "output_equals": {"row": {"column": "exact cell"}},     # cells of the output CSV
     "output_startswith": {"row": {"column": "prefix"}},
     "values": {"row": {"feature": number}},                 # parsed values (validation.clean)
     "outcomes": {"events": N, "non_events": N, "unlabelled": N, "unreadable": N,
                  "notice_contains": "..."},                  # outcomes as the cohort page reads them
     "dates": {"unreadable": N, "missing": N, "notice_contains": "..."},  # the date role's cells
     "cells": {"row": {"column": "text"}},                   # cells as read by read_csv_bytes
     "encoding": "...", "delimiter": "..."}                  # what read_csv_bytes reports

Rows are data rows counted from 1, in file order (blank lines are not rows).
"""

from __future__ import annotations

import csv
import io
import json
import random
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SOURCE = ROOT / "data" / "demo_cohort.csv"
BASE_ROWS = 20
EXPECTATIONS = "expectations.json"

Rows = list[list[str]]


def base() -> tuple[list[str], Rows]:
    """Header and the first 20 data rows of the demo cohort, as text."""
    with SOURCE.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [next(reader) for _ in range(BASE_ROWS)]
    return header, rows


def to_text(header: list[str] | None, rows: Rows, delimiter: str = ",", newline: str = "\n") -> str:
    """CSV text with minimal quoting (quotes only where a field needs them)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def joined(fields: list[str], delimiter: str = ",") -> str:
    """A line joined without any quoting: how broken exports put values with commas."""
    return delimiter.join(fields)


def col(header: list[str], name: str) -> int:
    return header.index(name)


def setcell(header: list[str], rows: Rows, row: int, name: str, value: str) -> None:
    """Set a cell by 1-based data row and column name."""
    rows[row - 1][col(header, name)] = value


def numbers(header: list[str], row: list[str], *names: str) -> dict[str, float]:
    """The values validation must read from a base row's cells (only the ones that are present)."""
    return {n: float(row[col(header, n)]) for n in names if row[col(header, n)].strip()}


def processed(read: int, scored: int, rejected: int, about: str, not_eligible: int = 0, insufficient_data: int = 0,
              **checks: Any) -> dict[str, Any]:
    """A file that is processed; rows outside the model's population or without a required input (age, length of
    stay) are counted apart (only when there are any, so most expectations read as before)."""
    unscored = {k: v for k, v in (("not_eligible", not_eligible), ("insufficient_data", insufficient_data)) if v}
    return {"about": about, "exit": 0, "read": read, "scored": scored, "rejected": rejected, **unscored, **checks}


def failure(message: str, about: str) -> dict[str, Any]:
    return {"about": about, "exit": 1, "message_contains": message}


def _copy() -> tuple[list[str], Rows]:
    header, rows = base()
    return list(header), [list(r) for r in rows]


# ---- the cases -------------------------------------------------------------------------------
Case = tuple[bytes, dict[str, Any]]


def empty() -> Case:
    return b"", failure("The file is empty", "0 bytes")


def header_only() -> Case:
    header, _ = base()
    return to_text(header, []).encode(), failure("header but no data rows", "the header line and nothing else")


def whitespace_only() -> Case:
    return b"  \n\t\n   \r\n\n", failure("The file is empty", "spaces, tabs and blank lines only")


def semicolon() -> Case:
    header, rows = base()
    return to_text(header, rows, ";").encode(), processed(
        20, 20, 0, "semicolon-delimited (European Excel)", delimiter=";",
        output_equals={"1": {"encounter_id": rows[0][0]}},
    )


def tab() -> Case:
    header, rows = base()
    return to_text(header, rows, "\t").encode(), processed(
        20, 20, 0, "tab-delimited text saved as .csv", delimiter="tab",
        output_equals={"20": {"encounter_id": rows[19][0]}},
    )


def pipe() -> Case:
    header, rows = base()
    return to_text(header, rows, "|").encode(), processed(20, 20, 0, "pipe-delimited", delimiter="|")


def missing_column_age() -> Case:
    header, rows = base()
    keep = [i for i, h in enumerate(header) if h != "age"]
    return to_text([header[i] for i in keep], [[r[i] for i in keep] for r in rows]).encode(), failure(
        "The file has no column for Age (age), which an estimate cannot be made without",
        "the age column is absent: age is a required input, so the file is refused naming it",
    )


def missing_two_columns() -> Case:
    header, rows = base()
    keep = [i for i, h in enumerate(header) if h not in ("hemoglobin_g_dl", "sodium_mmol_l")]
    return to_text([header[i] for i in keep], [[r[i] for i in keep] for r in rows]).encode(), processed(
        20, 20, 0, "haemoglobin and sodium (optional inputs) are absent: both are not recorded on every row",
        flags_contains={"1": ["hemoglobin_g_dl", "sodium_mmol_l"]},
    )


def header_padding_case() -> Case:
    header, rows = base()
    odd = {"encounter_id": " Encounter_ID ", "age": "  AGE", "sex": "Sex ",
           "length_of_stay_days": "Length_Of_Stay_Days", "hemoglobin_g_dl": " HEMOGLOBIN_G_DL ", "cm_chf": "CM_CHF"}
    return to_text([odd.get(h, h) for h in header], rows).encode(), processed(
        20, 20, 0, "column names with padding spaces and other capitals still match",
        output_equals={"3": {"encounter_id": rows[2][0]}},
        values={"1": numbers(header, rows[0], "age", "hemoglobin_g_dl")},
    )


def wrong_types() -> Case:
    header, rows = _copy()
    setcell(header, rows, 3, "age", "abc")
    setcell(header, rows, 7, "n_medications", "twelve")
    setcell(header, rows, 9, "cm_chf", "maybe")
    setcell(header, rows, 11, "hemoglobin_g_dl", "14.9 g/dL")
    return to_text(header, rows).encode(), processed(
        20, 16, 4, "text where numbers or yes/no values belong",
        reason_contains={
            "3": "age: 'abc' is not a number (expected a number in years)",
            "7": "n_medications: 'twelve' is not a number",
            "9": "cm_chf: 'maybe' is not a yes/no value",
            "11": "hemoglobin_g_dl: '14.9 g/dL' is not a number",
        },
        output_equals={"3": {"status": "rejected", "encounter_id": rows[2][0], "risk": ""},
                       "4": {"status": "scored"}},
    )


def impossible_values() -> Case:
    header, rows = _copy()
    setcell(header, rows, 2, "age", "250")
    setcell(header, rows, 5, "sodium_mmol_l", "1,000")
    setcell(header, rows, 8, "length_of_stay_days", "-3")
    return to_text(header, rows).encode(), processed(
        20, 17, 3, "physiologically impossible values reject their row, naming column, value and range",
        reason_contains={
            "2": ["age: '250' is impossible", "plausible range 0 to 120 years"],
            "5": ["sodium_mmol_l: '1,000' is impossible (read as 1000)", "90 to 200 mmol/L"],
            "8": "length_of_stay_days: '-3' is impossible",
        },
    )


def thousands_separators() -> Case:
    header, rows = _copy()
    for r in rows:
        cost = float(r[col(header, "total_cost")])
        r[col(header, "total_cost")] = f"{cost:,.2f}"
    setcell(header, rows, 3, "length_of_stay_days", "1,000")
    setcell(header, rows, 4, "n_medications", "1 6")
    setcell(header, rows, 5, "sodium_mmol_l", "1 000")
    setcell(header, rows, 6, "n_medications", "1\u00a0000")
    return to_text(header, rows).encode(), processed(
        20, 16, 4, "thousands separators: '1,000' and '1 000' are a thousand (so impossible here), never 1.0; "
        "a space elsewhere in a number ('1 6') makes it unreadable, not 16",
        reason_contains={"3": "length_of_stay_days: '1,000' is impossible (read as 1000)",
                         "4": "n_medications: '1 6' is not a number",
                         "5": "sodium_mmol_l: '1 000' is impossible (read as 1000)",
                         "6": "n_medications: '1 000' is impossible (read as 1000)"},
        cells={"1": {"total_cost": rows[0][col(header, "total_cost")]}},
    )


def outside_training() -> Case:
    header, rows = _copy()
    setcell(header, rows, 1, "length_of_stay_days", "200")
    setcell(header, rows, 4, "age", "5")
    setcell(header, rows, 6, "hemoglobin_g_dl", "3.5")
    return to_text(header, rows).encode(), processed(
        20, 19, 0, "plausible values outside the training range are scored and flagged; a child of 5 is outside "
        "the model's population: not eligible, with a reason", not_eligible=1,
        flags_contains={"1": ["outside training range", "length_of_stay_days"],
                        "6": ["outside training range", "hemoglobin_g_dl"]},
        output_equals={"4": {"status": "not eligible"}},
    )


def unseen_category() -> Case:
    header, rows = _copy()
    setcell(header, rows, 2, "service", "dermatology")
    setcell(header, rows, 5, "insurance", "veterans affairs")
    setcell(header, rows, 8, "discharge_disposition", "  HOME  ")
    return to_text(header, rows).encode(), processed(
        20, 20, 0, "categories the model never saw are scored and flagged; known ones match in any case",
        flags_contains={"2": ["unseen category", "service"], "5": ["unseen category", "insurance"]},
        values={"8": {"discharge_disposition": "home"}},
    )


def missing_markers() -> Case:
    header, rows = _copy()
    marks = [("hemoglobin_g_dl", "?"), ("sodium_mmol_l", "NA"), ("n_medications", "NULL"), ("age", "N/A"),
             ("sex", ""), ("cm_chf", "n/a"), ("followup_within_7d", "-"), ("admission_type", "None"),
             ("charlson_index", "#N/A"), ("insurance", "not recorded")]
    for i, (name, mark) in enumerate(marks, start=1):
        setcell(header, rows, i, name, mark)
    required = "age"  # a required input: its row is 'insufficient data', not scored
    return to_text(header, rows).encode(), processed(
        20, 19, 0, "?, NA, NULL, N/A, empty and friends mean 'not recorded': scored and flagged (age not recorded: "
        "insufficient data)", insufficient_data=1,
        flags_contains={str(i): ["not recorded", name] for i, (name, _) in enumerate(marks, start=1)
                        if name != required},
        output_equals={str(i): {"status": "insufficient data"} for i, (name, _) in enumerate(marks, start=1)
                       if name == required},
    )


def duplicate_ids() -> Case:
    header, rows = _copy()
    setcell(header, rows, 2, "encounter_id", rows[0][0])
    return to_text(header, rows).encode(), processed(
        20, 20, 0, "a repeated encounter id: both rows are scored, in place",
        output_equals={"1": {"encounter_id": rows[0][0], "status": "scored"},
                       "2": {"encounter_id": rows[0][0], "status": "scored"}},
    )


def utf8_bom() -> Case:
    header, rows = base()
    return b"\xef\xbb\xbf" + to_text(header, rows).encode(), processed(
        20, 20, 0, "UTF-8 with a byte-order mark (Excel's 'CSV UTF-8')", encoding="utf-8",
        output_equals={"1": {"encounter_id": rows[0][0]}},
    )


def latin1_hospital() -> Case:
    header, rows = _copy()
    setcell(header, rows, 1, "hospital", "Hôpital Saint-Jérôme")
    setcell(header, rows, 2, "hospital", "Clínica Núñez")
    return to_text(header, rows).encode("latin-1"), processed(
        20, 20, 0, "Latin-1 accented text in a context column", encoding="windows-1252",
        cells={"1": {"hospital": "Hôpital Saint-Jérôme"}, "2": {"hospital": "Clínica Núñez"}},
    )


def cp1252_quotes() -> Case:
    header, rows = _copy()
    setcell(header, rows, 1, "hospital", "St Columba\u2019s \u2013 East")
    return to_text(header, rows).encode("cp1252"), processed(
        20, 20, 0, "Windows-1252 curly apostrophe and en dash", encoding="windows-1252",
        cells={"1": {"hospital": "St Columba\u2019s \u2013 East"}},
    )


def extra_columns() -> Case:
    header, rows = _copy()
    header += ["ward", "notes", "", "Unnamed: 3"]
    for i, r in enumerate(rows):
        r += [f"W{i % 4}", "seen by team B" if i % 2 else "", "", "x"]
    return to_text(header, rows).encode(), processed(20, 20, 0, "columns the model does not use are ignored")


def formula_injection() -> Case:
    header, rows = _copy()
    setcell(header, rows, 1, "encounter_id", '=HYPERLINK("http://evil.example/x","click me")')
    setcell(header, rows, 2, "patient_id", "+cmd|' /C calc'!A0")
    setcell(header, rows, 3, "encounter_id", "@SUM(A1:A9)")
    setcell(header, rows, 4, "encounter_id", "-cmd")
    setcell(header, rows, 5, "encounter_id", "-3")
    setcell(header, rows, 6, "encounter_id", "=1+1")
    setcell(header, rows, 7, "age", "=1+1")
    return to_text(header, rows).encode(), processed(
        20, 19, 1, "spreadsheet formulas in id cells are neutralised in the output (a leading quote); "
        "a formula where a number belongs rejects the row",
        output_startswith={"1": {"encounter_id": "'=HYPERLINK("}, "2": {"patient_id": "'+cmd"},
                           "3": {"encounter_id": "'@SUM("}, "4": {"encounter_id": "'-cmd"},
                           "6": {"encounter_id": "'=1+1"}},
        output_equals={"5": {"encounter_id": "-3"}},
        reason_contains={"7": "age: '=1+1' is not a number"},
    )


def one_row() -> Case:
    header, rows = base()
    return to_text(header, rows[:1]).encode(), processed(1, 1, 0, "a single patient")


def ragged_too_many() -> Case:
    header, rows = _copy()
    lines = [joined(header)] + [joined(r) for r in rows]
    setcell(header, rows, 4, "hospital", "Northgate General, Wing B")
    lines[4] = joined(rows[3])  # unquoted comma: one field too many
    return ("\n".join(lines) + "\n").encode(), processed(
        20, 19, 1, "a value with an unquoted comma splits into one field too many; only that row is rejected",
        reason_contains={"4": ["line 5 has 42 fields but the header has 41", "needs quotes"]},
        output_equals={"4": {"encounter_id": rows[3][0], "status": "rejected"}, "5": {"status": "scored"}},
    )


def ragged_too_few() -> Case:
    header, rows = _copy()
    lines = [joined(header)] + [joined(r) for r in rows]
    lines[6] = joined(rows[5][:-3])
    return ("\n".join(lines) + "\n").encode(), processed(
        20, 19, 1, "a row cut short (three fields missing) is rejected; the rest are scored",
        reason_contains={"6": "line 7 has 38 fields but the header has 41"},
    )


def ragged_mixed() -> Case:
    header, rows = _copy()
    lines = [joined(header)] + [joined(r) for r in rows]
    lines[2] = joined(rows[1] + ["surplus", "more"])
    lines[9] = joined(rows[8][:20])
    lines[12] = joined(rows[11]) + ",,"  # trailing delimiters: empty extra fields are fine
    return ("\n".join(lines) + "\n").encode(), processed(
        20, 18, 2, "too many and too few fields in one file; trailing empty fields are not a problem",
        reason_contains={"2": "line 3 has 43 fields", "9": "line 10 has 20 fields"},
        output_equals={"12": {"status": "scored", "encounter_id": rows[11][0]}},
    )


def trailing_delimiter() -> Case:
    header, rows = base()
    lines = [joined(header)] + [joined(r) + "," for r in rows]
    return ("\n".join(lines) + "\n").encode(), processed(
        20, 20, 0, "every data row ends with a delimiter the header lacks: values must not shift by a column",
        output_equals={"1": {"encounter_id": rows[0][0]}, "2": {"encounter_id": rows[1][0]}},
        values={"1": numbers(header, rows[0], "age", "n_medications")},
    )


def quoted_newlines_commas() -> Case:
    header, rows = _copy()
    header.append("notes")
    for i, r in enumerate(rows):
        r.append("")
        if i in (1, 4):
            r[-1] = "line one\nline two, with a comma; and \"quotes\""
    setcell(header, rows, 3, "hospital", "Northgate General, Wing B")
    return to_text(header, rows).encode(), processed(
        20, 20, 0, "quoted fields holding newlines, commas and quotes stay one cell each",
        cells={"2": {"notes": "line one\nline two, with a comma; and \"quotes\""},
               "3": {"hospital": "Northgate General, Wing B"}},
        output_equals={"3": {"encounter_id": rows[2][0]}},
    )


def padded_numbers() -> Case:
    header, rows = _copy()
    for r in rows:
        for name in ("age", "length_of_stay_days", "hemoglobin_g_dl", "n_medications", "cm_chf"):
            i = col(header, name)
            if r[i]:
                r[i] = f" {r[i]} "
    return to_text(header, rows).encode(), processed(
        20, 20, 0, "numbers with spaces around them",
        values={str(i): numbers(header, base()[1][i - 1], "age", "length_of_stay_days", "hemoglobin_g_dl",
                                "n_medications", "cm_chf") for i in (1, 2, 3)},
    )


def decimal_comma_semicolon() -> Case:
    header, rows = _copy()
    values = {str(i): numbers(header, rows[i - 1], "hemoglobin_g_dl") for i in (1, 2, 3)}
    for r in rows:
        for name in ("hemoglobin_g_dl", "total_cost"):
            r[col(header, name)] = r[col(header, name)].replace(".", ",")
    return to_text(header, rows, ";").encode(), processed(
        20, 20, 0, "semicolon file with decimal commas ('14,9')", delimiter=";",
        values=values,
    )


def binary_garbage() -> Case:
    rng = random.Random(1234)
    data = bytes(rng.randrange(256) for _ in range(3000))
    return b"\x00\x01" + data, failure("not a CSV file", "random bytes")


def png_renamed() -> Case:
    ihdr = b"IHDR" + (1).to_bytes(4, "big") + (1).to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    png = b"\x89PNG\r\n\x1a\n" + len(ihdr[4:]).to_bytes(4, "big") + ihdr + zlib.crc32(ihdr).to_bytes(4, "big")
    return png, failure("PNG image", "a PNG image renamed to .csv")


def xlsx_renamed() -> Case:
    return b"PK\x03\x04\x14\x00\x06\x00\x08\x00" + b"[Content_Types].xml" + bytes(64), failure(
        "Excel workbook", "an .xlsx workbook renamed to .csv"
    )


def json_renamed() -> Case:
    header, rows = base()
    records = [dict(zip(header, r, strict=True)) for r in rows[:3]]
    return json.dumps(records, indent=1).encode(), failure("looks like JSON", "a JSON export renamed to .csv")


def xml_renamed() -> Case:
    header, rows = base()
    body = "".join(f"<row><encounter_id>{r[0]}</encounter_id><age>{r[col(header, 'age')]}</age></row>\n"
                   for r in rows[:3])
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<rows>\n{body}</rows>\n'.encode(), failure(
        "XML or HTML", "an XML export renamed to .csv"
    )


def html_renamed() -> Case:
    header, rows = base()
    cells = "".join(f"<tr><td>{r[0]}</td><td>{r[col(header, 'age')]}</td></tr>" for r in rows[:3])
    page = ("<!DOCTYPE html>\n<html><body><table><tr><th>encounter_id</th><th>age</th></tr>"
            f"{cells}</table></body></html>\n")
    return page.encode(), failure("XML or HTML", "a web page (an HTML table) saved as .csv")


def utf16_tab() -> Case:
    header, rows = _copy()
    setcell(header, rows, 1, "hospital", "Hôpital Saint-Jérôme")
    return to_text(header, rows, "\t", "\r\n").encode("utf-16"), processed(
        20, 20, 0, "Excel 'Unicode text': UTF-16 with a byte-order mark, tab-delimited, CRLF",
        encoding="utf-16", delimiter="tab", cells={"1": {"hospital": "Hôpital Saint-Jérôme"}},
    )


def utf16_no_bom() -> Case:
    header, rows = base()
    return to_text(header, rows).encode("utf-16-le"), processed(
        20, 20, 0, "UTF-16 (little-endian) without a byte-order mark", encoding="utf-16",
    )


def huge_cell() -> Case:
    header, rows = _copy()
    header.append("notes")
    for r in rows:
        r.append("")
    rows[2][-1] = "lorem ipsum " * 1000
    return to_text(header, rows).encode(), processed(
        20, 19, 1, "a 12,000-character cell rejects its row (naming the column and length), not the file",
        reason_contains={"3": ["notes", "12,000 characters", "line 4"]},
    )


def duplicate_column_names() -> Case:
    header, rows = _copy()
    header.append("age")
    for r in rows:
        r.append(r[col(header, "age")])
    return to_text(header, rows).encode(), failure(
        "Column names appear more than once: age.", "two columns called 'age'"
    )


def duplicate_column_case() -> Case:
    header, rows = _copy()
    header.append("AGE ")
    for r in rows:
        r.append("70")
    return to_text(header, rows).encode(), failure(
        "'age' and 'AGE' differ only in spaces or capitals", "'age' and 'AGE ': which one is the age?"
    )


def blank_lines() -> Case:
    header, rows = base()
    lines = ["", joined(header)]
    for i, r in enumerate(rows):
        lines.append(joined(r))
        if i % 5 == 2:
            lines.append("")
        if i % 7 == 3:
            lines.append("," * (len(header) - 1))
        if i == 10:
            lines.append("   ")
    return ("\n".join(lines) + "\n\n\n").encode(), processed(
        20, 20, 0, "blank lines, lines of only commas and of only spaces are not rows",
        output_equals={"20": {"encounter_id": rows[19][0]}},
    )


def crlf() -> Case:
    header, rows = base()
    return to_text(header, rows, ",", "\r\n").encode(), processed(
        20, 20, 0, "Windows line endings", cells={"20": {"readmitted_30d": rows[19][-1]}},
    )


def cr_only() -> Case:
    header, rows = base()
    return to_text(header, rows, ",", "\r").encode(), processed(20, 20, 0, "classic Mac line endings (CR only)")


def only_id_column() -> Case:
    _, rows = base()
    return to_text(["encounter_id"], [[r[0]] for r in rows]).encode(), failure(
        "None of the model's", "just a list of encounter ids"
    )


def no_header() -> Case:
    _, rows = base()
    return to_text(None, rows).encode(), failure(
        "first row holds the column names", "data without its header line"
    )


def title_line() -> Case:
    header, rows = base()
    return ("Readmission extract 2024-01-31\n" + to_text(header, rows)).encode(), failure(
        "first row holds the column names", "a report title above the header"
    )


def excel_sep_line() -> Case:
    header, rows = base()
    return ("sep=;\n" + to_text(header, rows, ";")).encode(), processed(
        20, 20, 0, "Excel's 'sep=;' first line names the delimiter", delimiter=";",
        output_equals={"1": {"encounter_id": rows[0][0]}},
    )


def colon_delimited() -> Case:
    header, rows = base()
    return to_text(header, rows, ":").encode(), failure(
        "check its delimiter", "colon-delimited: one column only; say so"
    )


def unclosed_quote() -> Case:
    header, rows = _copy()
    lines = [joined(header)] + [joined(r) for r in rows]
    setcell(header, rows, 5, "hospital", '"Northgate General')
    lines[5] = joined(rows[4])
    return ("\n".join(lines) + "\n").encode(), failure(
        'A quote mark (") opened on line 6 is never closed', "a quote that never closes swallows the rest"
    )


def yes_no_true_false() -> Case:
    header, rows = _copy()
    words = {"1": ["yes", "TRUE", "Y", "True", "1.0", "t"], "0": ["no", "FALSE", "N", "false", "0.0", "f"]}
    names = ("followup_within_7d", "med_reconciliation", "procedure_during_stay", "cm_chf")
    values = {str(i): numbers(header, rows[i - 1], *names) for i in (1, 2, 3, 4)}
    for i, r in enumerate(rows):
        for j, name in enumerate(names):
            k = col(header, name)
            r[k] = words[r[k]][(i + j) % 6] if r[k] in words else r[k]
    return to_text(header, rows).encode(), processed(
        20, 20, 0, "yes/no, true/false, Y/N, t/f in 0/1 columns", values=values,
    )


def all_rows_rejected() -> Case:
    header, rows = _copy()
    for r in rows:
        r[col(header, "age")] = "unknown age"
    return to_text(header, rows).encode(), processed(
        20, 0, 20, "every row rejected: still processed, one output row per input row",
        reason_contains={"1": "age: 'unknown age' is not a number", "20": "age:"},
    )


def no_target_column() -> Case:
    header, rows = base()
    keep = [i for i, h in enumerate(header) if h != "readmitted_30d"]
    return to_text([header[i] for i in keep], [[r[i] for i in keep] for r in rows]).encode(), processed(
        20, 20, 0, "no outcome column (patients still in hospital): scoring does not need it",
    )


def reordered_columns() -> Case:
    header, rows = base()
    order = sorted(range(len(header)), key=lambda i: header[i][::-1])
    return to_text([header[i] for i in order], [[r[i] for i in order] for r in rows]).encode(), processed(
        20, 20, 0, "columns in another order", output_equals={"2": {"encounter_id": rows[1][0]}},
        values={str(i): numbers(header, rows[i - 1], "age", "sodium_mmol_l", "hemoglobin_g_dl") for i in (1, 2)},
    )


def every_10th_broken() -> Case:
    header, rows = base()
    lines = [joined(header)]
    reasons: dict[str, str] = {}
    kinds = ("age", "impossible", "many", "few", "binary")
    for k in range(2000):
        r = list(rows[k % BASE_ROWS])
        r[0] = f"E{1_000_001 + k}"
        line = joined(r)
        if (k + 1) % 10 == 0:
            kind = kinds[((k + 1) // 10) % len(kinds)]
            if kind == "age":
                r[col(header, "age")] = "old"
                line, reasons[str(k + 1)] = joined(r), "age: 'old' is not a number"
            elif kind == "impossible":
                r[col(header, "n_medications")] = "900"
                line, reasons[str(k + 1)] = joined(r), "n_medications: '900' is impossible"
            elif kind == "many":
                line, reasons[str(k + 1)] = joined([*r, "x"]), f"line {k + 2} has 42 fields"
            elif kind == "few":
                line, reasons[str(k + 1)] = joined(r[:30]), f"line {k + 2} has 30 fields"
            else:
                r[col(header, "cm_renal")] = "2"
                line, reasons[str(k + 1)] = joined(r), "cm_renal: '2' is not a yes/no value"
        lines.append(line)
    pick = {key: reasons[key] for key in ("10", "20", "30", "40", "50", "2000")}
    return ("\n".join(lines) + "\n").encode(), processed(
        2000, 1800, 200, "2,000 rows, every 10th broken in one of five ways: the counts add up",
        reason_contains=pick, output_equals={"11": {"status": "scored", "encounter_id": "E1000011"},
                                             "2000": {"status": "rejected", "encounter_id": "E1002000"}},
    )


def outcome_spellings() -> Case:
    header, rows = _copy()
    words = ["yes", "No", " TRUE ", "false", "Y", "n", "t", "F", "1.0", "0.0", "Readmitted", "not readmitted",
             "", "1", "0", "YES", "no", "True", "FALSE", "NA"]
    for i, word in enumerate(words, start=1):
        setcell(header, rows, i, "readmitted_30d", word)
    return to_text(header, rows).encode(), processed(
        20, 20, 0, "outcome spelled yes/no, true/false, y/n, t/f, 1.0/0.0, readmitted/not readmitted: all read",
        outcomes={"events": 9, "non_events": 9, "unlabelled": 2, "unreadable": 0},
    )


def outcome_unreadable() -> Case:
    header, rows = _copy()
    for i, word in ((2, "2"), (5, "maybe"), (7, "-1"), (9, "2"), (11, "yes")):
        setcell(header, rows, i, "readmitted_30d", word)
    events = sum(r[col(header, "readmitted_30d")] in ("1", "yes") for r in rows)
    return to_text(header, rows).encode(), processed(
        20, 20, 0, "outcomes 2, maybe, -1: counted and shown as unreadable, never 0; the rows are still scored",
        outcomes={"events": events, "non_events": 16 - events, "unlabelled": 0, "unreadable": 4,
                  "notice_contains": "4 rows' outcomes in 'readmitted_30d' could not be read ('2', 'maybe', '-1')"},
    )


def dates_unreadable() -> Case:
    header, rows = _copy()
    for i, text in ((3, "soon"), (4, "31/02/2023"), (6, ""), (8, "03/01/2023")):
        setcell(header, rows, i, "admission_date", text)
    return to_text(header, rows).encode(), processed(
        20, 20, 0, "unreadable admission dates (and one day-first date among ISO ones) are counted and shown, "
        "not silently empty",
        dates={"unreadable": 3, "missing": 1, "notice_contains": "3 dates in 'admission_date' could not be read "
               "('soon', '31/02/2023', '03/01/2023')"},
    )


def header_punctuation() -> Case:
    header, rows = base()
    odd = {"length_of_stay_days": "LENGTH OF STAY DAYS", "hemoglobin_g_dl": "Hemoglobin (g/dL)",
           "sodium_mmol_l": "sodium.mmol.l", "n_medications": "N-Medications", "cm_chf": "cm chf"}
    return to_text([odd.get(h, h) for h in header], rows).encode(), processed(
        20, 20, 0, "headers differing in case, spaces, underscores and punctuation still match",
        values={"1": numbers(header, rows[0], "length_of_stay_days", "hemoglobin_g_dl", "sodium_mmol_l",
                             "n_medications", "cm_chf")},
    )


def header_clash_punctuation() -> Case:
    header, rows = _copy()
    header.append("Length of stay (days)")
    for r in rows:
        r.append("3")
    return to_text(header, rows).encode(), failure(
        "'length_of_stay_days' and 'Length of stay (days)' differ only",
        "two headers that match the same input: refused, naming both",
    )


CASES: dict[str, Callable[[], Case]] = {
    "empty.csv": empty,
    "header_only.csv": header_only,
    "whitespace_only.csv": whitespace_only,
    "semicolon.csv": semicolon,
    "tab_delimited.csv": tab,
    "pipe_delimited.csv": pipe,
    "missing_column_age.csv": missing_column_age,
    "missing_two_columns.csv": missing_two_columns,
    "header_padding_case.csv": header_padding_case,
    "wrong_types.csv": wrong_types,
    "impossible_values.csv": impossible_values,
    "thousands_separators.csv": thousands_separators,
    "outside_training_range.csv": outside_training,
    "unseen_category.csv": unseen_category,
    "missing_markers.csv": missing_markers,
    "duplicate_ids.csv": duplicate_ids,
    "utf8_bom.csv": utf8_bom,
    "latin1_hospital.csv": latin1_hospital,
    "cp1252_quotes.csv": cp1252_quotes,
    "extra_columns.csv": extra_columns,
    "formula_injection.csv": formula_injection,
    "one_row.csv": one_row,
    "ragged_too_many.csv": ragged_too_many,
    "ragged_too_few.csv": ragged_too_few,
    "ragged_mixed.csv": ragged_mixed,
    "trailing_delimiter.csv": trailing_delimiter,
    "quoted_newlines_commas.csv": quoted_newlines_commas,
    "padded_numbers.csv": padded_numbers,
    "decimal_comma_semicolon.csv": decimal_comma_semicolon,
    "binary_garbage.csv": binary_garbage,
    "png_renamed.csv": png_renamed,
    "xlsx_renamed.csv": xlsx_renamed,
    "json_renamed.csv": json_renamed,
    "xml_renamed.csv": xml_renamed,
    "html_renamed.csv": html_renamed,
    "utf16_tab.csv": utf16_tab,
    "utf16_no_bom.csv": utf16_no_bom,
    "huge_cell.csv": huge_cell,
    "outcome_spellings.csv": outcome_spellings,
    "outcome_unreadable.csv": outcome_unreadable,
    "dates_unreadable.csv": dates_unreadable,
    "header_punctuation.csv": header_punctuation,
    "header_clash_punctuation.csv": header_clash_punctuation,
    "duplicate_column_names.csv": duplicate_column_names,
    "duplicate_column_case.csv": duplicate_column_case,
    "blank_lines.csv": blank_lines,
    "crlf.csv": crlf,
    "cr_only.csv": cr_only,
    "only_id_column.csv": only_id_column,
    "no_header.csv": no_header,
    "title_line.csv": title_line,
    "excel_sep_line.csv": excel_sep_line,
    "colon_delimited.csv": colon_delimited,
    "unclosed_quote.csv": unclosed_quote,
    "yes_no_true_false.csv": yes_no_true_false,
    "all_rows_rejected.csv": all_rows_rejected,
    "no_target_column.csv": no_target_column,
    "reordered_columns.csv": reordered_columns,
    "every_10th_broken_2000.csv": every_10th_broken,
}


def build() -> tuple[dict[str, bytes], dict[str, dict[str, Any]]]:
    """All corpus files (name -> bytes) and their expectations (name -> expectation)."""
    files: dict[str, bytes] = {}
    expectations: dict[str, dict[str, Any]] = {}
    for name, make in CASES.items():
        files[name], expectations[name] = make()
    return files, expectations


def expectations_text(expectations: dict[str, dict[str, Any]]) -> str:
    return json.dumps(expectations, indent=1, ensure_ascii=False) + "\n"


def main(out: Path = HERE) -> int:
    files, expectations = build()
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (out / name).write_bytes(data)
    (out / EXPECTATIONS).write_text(expectations_text(expectations), encoding="utf-8")
    stale = sorted(p.name for p in out.glob("*.csv") if p.name not in files)
    print(f"wrote {len(files)} files and {EXPECTATIONS} to {out}")
    if stale:
        print(f"not generated any more (delete them): {', '.join(stale)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE))
