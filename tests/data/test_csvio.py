"""Reading real-world CSV bytes (decoding, delimiters, ragged rows, limits) and writing safe CSVs."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest

from core.data.csvio import CsvError, decode, neutralise_formulas, read_csv_bytes, sniff_delimiter, to_csv_bytes

HEADER = "encounter_id,age,hospital\n"


def read(text: str, **kwargs: int) -> tuple[pd.DataFrame, dict]:
    return read_csv_bytes(text.encode("utf-8"), **kwargs)


# ---- decoding ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        ("Hôpital".encode(), "Hôpital", "utf-8"),
        (b"\xef\xbb\xbfH\xc3\xb4pital", "Hôpital", "utf-8"),
        ("Hôpital".encode("latin-1"), "Hôpital", "windows-1252"),
        ("St Columba\u2019s \u2013 East".encode("cp1252"), "St Columba\u2019s \u2013 East", "windows-1252"),
        (b"caf\xe9 \x81", "café \x81", "latin-1"),  # 0x81 is undefined in Windows-1252
        ("a,b\nHôpital,1\n".encode("utf-16"), "a,b\nHôpital,1\n", "utf-16"),
        ("a,b\nHôpital,1\n".encode("utf-16-be"), "a,b\nHôpital,1\n", "utf-16"),
        ("a,b\nHôpital,1\n".encode("utf-16-le"), "a,b\nHôpital,1\n", "utf-16"),
    ],
)
def test_decode(data: bytes, text: str, encoding: str) -> None:
    assert decode(data) == (text, encoding)


def test_utf16_be_with_bom_decodes() -> None:
    data = b"\xfe\xff" + "a;b\n1;2\n".encode("utf-16-be")
    assert decode(data) == ("a;b\n1;2\n", "utf-16")


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "The file is empty"),
        (b"PK\x03\x04\x14\x00" + bytes(40), "Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(40), ".xls"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG image"),
        (b"\x1f\x8b\x08\x00" + bytes(20), "gzip"),
        (bytes(range(256)) * 4, "binary data"),
        (b"a,b\n1,2\n" + b"\x00" * 10, "binary data"),
    ],
)
def test_not_text_is_refused_plainly(data: bytes, words: str) -> None:
    with pytest.raises(CsvError) as err:
        decode(data)
    assert words in str(err.value)
    assert "\n" not in str(err.value)


def test_nul_after_the_first_kilobytes_of_a_cp1252_file_is_binary() -> None:
    data = ("a,b\n" + "Hôpital,1\n" * 1000).encode("cp1252") + b"\x00\x00"
    with pytest.raises(CsvError, match="binary data"):
        decode(data)


# ---- delimiters ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("a,b,c\n1,2,3\n4,5,6\n", ","),
        ("a;b;c\n1,5;2,5;3\n4;5;6,25\n", ";"),  # decimal commas do not make it a comma file
        ("a\tb\tc\n1,000\t2\t3\n4\t5,5\t6\n", "\t"),
        ("a|b|c\n1|2|3\n", "|"),
        ('a,b,c\n"x;y;z",2,3\n"p;q",5,6\n', ","),  # semicolons inside quotes do not count
        ('name;note;n\n"Smith, J";"a, b, c";1\n"Doe, A";"d, e";2\n', ";"),
        ("a,b,c\n", ","),  # header only
        ("just one column\nx\ny\n", ","),  # unsure: comma
    ],
)
def test_sniff_delimiter(text: str, delimiter: str) -> None:
    assert sniff_delimiter(text) == delimiter


def test_sniff_ignores_a_record_cut_by_the_sample_end() -> None:
    text = "a;b;c\n" + "1;2;3\n" * 20_000
    assert len(text) > 65_536
    assert sniff_delimiter(text) == ";"


def test_excel_sep_line_names_the_delimiter() -> None:
    frame, info = read("sep=|\na|b\n1,5|2\n")
    assert info["delimiter"] == "|"
    assert list(frame.columns) == ["a", "b"]
    assert frame.iloc[0].tolist() == ["1,5", "2"]


def test_one_column_with_an_unknown_delimiter_says_so() -> None:
    with pytest.raises(CsvError, match="only one column"):
        read("a:b:c\n1:2:3\n")


# ---- reading ---------------------------------------------------------------------------------------
def test_everything_is_text_and_untouched() -> None:
    frame, info = read(HEADER + "007,1e3, Northgate \n-1,NA,\n")
    assert frame.to_numpy().tolist() == [["007", "1e3", " Northgate "], ["-1", "NA", ""]]
    assert all(frame[c].map(type).eq(str).all() for c in frame.columns)
    assert info == {"encoding": "utf-8", "delimiter": ",", "rows": 2, "row_problems": {}}


def test_header_names_are_trimmed_and_blank_ones_named() -> None:
    frame, _ = read("\ufeff encounter_id , age,,x\n1,2,3,4\n")
    assert list(frame.columns) == ["encounter_id", "age", "Unnamed: 2", "x"]


def test_ragged_rows_keep_their_place_and_are_reported() -> None:
    frame, info = read(HEADER + "E1,50,A\nE2,60,North, Wing B\nE3,70\nE4,80,C\n")
    assert frame["encounter_id"].tolist() == ["E1", "E2", "E3", "E4"]
    assert frame.iloc[2].tolist() == ["E3", "70", ""]
    problems = info["row_problems"]
    assert set(problems) == {1, 2}
    assert problems[1].startswith("line 3 has 4 fields but the header has 3")
    assert problems[2] == "line 4 has 2 fields but the header has 3"


def test_trailing_delimiters_do_not_shift_values() -> None:
    frame, info = read(HEADER + "E1,50,A,\nE2,60,B,,\n")
    assert frame.to_numpy().tolist() == [["E1", "50", "A"], ["E2", "60", "B"]]
    assert info["row_problems"] == {}


def test_blank_and_delimiter_only_lines_are_not_rows() -> None:
    frame, info = read("\n\n" + HEADER + "E1,50,A\n\n,,\n  ,\t, \nE2,60,B\n\n")
    assert frame["encounter_id"].tolist() == ["E1", "E2"]
    assert info["rows"] == 2 and info["row_problems"] == {}


def test_quoted_newlines_commas_and_quotes_stay_in_one_cell() -> None:
    frame, _ = read(HEADER + 'E1,50,"North, ""B""\nsecond line"\nE2,60,C\n')
    assert frame["hospital"].tolist() == ['North, "B"\nsecond line', "C"]


def test_a_ragged_row_spanning_lines_names_both_lines() -> None:
    _, info = read(HEADER + 'E1,50,"a\nb",extra\nE2,60,C\n')
    assert info["row_problems"][0].startswith("lines 2-3 has 4 fields")


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_endings(newline: str) -> None:
    frame, _ = read(newline.join([HEADER.strip(), "E1,50,A", "E2,60,B"]) + newline)
    assert frame.to_numpy().tolist() == [["E1", "50", "A"], ["E2", "60", "B"]]


def test_unclosed_quote_is_a_plain_message_with_the_line() -> None:
    with pytest.raises(CsvError, match=r'A quote mark \(\"\) opened on line 3 is never closed'):
        read(HEADER + 'E1,50,A\nE2,60,"B\nE3,70,C\nE4,80,D\n')


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "The file is empty"),
        (" \n\t\n", "The file is empty"),
        ("sep=;\n\n", "The file is empty"),
        ('[{"age": 1}]', "looks like JSON"),
        ('{"age": 1}\n{"age": 2}\n', "looks like JSON"),
        ("<?xml version='1.0'?><rows/>", "XML or HTML"),
        ("  <table><tr><td>1</td></tr></table>", "XML or HTML"),
        ("a,b,a\n1,2,3\n", "Column names appear more than once: a."),
        ("E1,67,0,1\nE2,70,1,0\n", "first row looks like data"),
    ],
)
def test_whole_file_problems(text: str, words: str) -> None:
    with pytest.raises(CsvError) as err:
        read(text)
    assert words in str(err.value)


def test_a_header_with_less_than_shown_is_not_a_markup_file() -> None:
    frame, _ = read("<age,sex\n1,f\n")
    assert list(frame.columns) == ["<age", "sex"]


# ---- limits ----------------------------------------------------------------------------------------
def test_row_limit() -> None:
    text = HEADER + "E1,50,A\n" * 5
    assert len(read(text, max_rows=5)[0]) == 5
    with pytest.raises(CsvError, match="more than 4 rows"):
        read(text, max_rows=4)


def test_blank_lines_do_not_count_towards_the_row_limit() -> None:
    assert len(read(HEADER + "E1,50,A\n\n\n\nE2,60,B\n", max_rows=2)[0]) == 2


def test_cell_limit_is_exclusive_and_rejects_only_that_row_naming_column_length_and_line() -> None:
    ok = HEADER + "E1,50," + "x" * 100 + "\n"
    assert len(read(ok, max_cell=100)[0]) == 1
    for fast in (True, False):
        frame, info = read(HEADER + "E1,50,A\nE2,60," + "x" * 101 + "\nE3,70,B\n", max_cell=100, fast=fast)
        assert len(frame) == info["rows"] == 3, fast
        assert list(info["row_problems"]) == [1], fast
        assert info["row_problems"][1] == ("line 3: column 'hospital' has a cell of 101 characters, over "
                                           "Lantern's limit of 100 (a quote mark may be missing)"), fast
        assert frame["hospital"].tolist() == ["A", "", "B"], fast  # the long cell is not kept


def test_cell_limit_counts_a_quoted_cell_spanning_short_lines() -> None:
    cell = "\n".join(["short line"] * 30)  # 329 characters, no line over 10
    frame, info = read(HEADER + f'E1,50,"{cell}"\nE2,60,B\n', max_cell=100)
    assert len(frame) == 2 and "329 characters" in info["row_problems"][0] and 1 not in info["row_problems"]


def test_cell_limit_applies_to_the_header() -> None:
    with pytest.raises(CsvError, match="first row has a cell longer than 50"):
        read("a," + "b" * 51 + "\n1,2\n", max_cell=50)


def test_cells_beyond_the_csv_modules_own_limit_are_a_plain_message() -> None:
    huge = "y" * (csv.field_size_limit() + 10)
    with pytest.raises(CsvError, match="longer than"):
        read(HEADER + f'E1,50,"{huge}"\n', max_cell=0)


def test_default_cell_limit_is_ten_thousand() -> None:
    assert len(read(HEADER + "E1,50," + "x" * 10_000 + "\n")[0]) == 1
    assert "over Lantern's limit of 10,000" in read(HEADER + "E1,50," + "x" * 10_001 + "\n")[1]["row_problems"][0]


def test_reading_many_rows_is_fast_enough() -> None:
    import time

    text = HEADER + "".join(f"E{i},{i % 90},Northgate General\n" for i in range(100_000))
    start = time.perf_counter()
    frame, _ = read(text)
    assert len(frame) == 100_000
    assert time.perf_counter() - start < 3.0


# ---- formula neutralisation ----------------------------------------------------------------------
@pytest.mark.parametrize("value", ["-3", "-3.5", "+3", "1e5", "-1.5e-3", "12", "-.5", "0", "", "E-1", "a=b"])
def test_numbers_and_plain_text_are_untouched(value: str) -> None:
    out = neutralise_formulas(pd.DataFrame({"id": [value]}))
    assert out["id"].iloc[0] == value


@pytest.mark.parametrize(
    "value", ["-cmd", "=1+1", "+cmd|' /C calc'!A0", "@SUM(A1:A9)", '=HYPERLINK("http://x","y")', "\tx", "\r=1",
              "-3+cmd", "--1", "-"],
)
def test_formula_text_gets_a_leading_quote(value: str) -> None:
    out = neutralise_formulas(pd.DataFrame({"id": [value]}))
    assert out["id"].iloc[0] == "'" + value


def test_numeric_columns_missing_values_and_names() -> None:
    frame = pd.DataFrame({"risk": [-0.5, np.nan], "=bad": ["ok", None], "n": [-3, 4]})
    out = neutralise_formulas(frame)
    assert list(out.columns) == ["risk", "'=bad", "n"]
    assert out["risk"].iloc[0] == -0.5 and np.isnan(out["risk"].iloc[1])
    assert out["n"].tolist() == [-3, 4]
    assert out["'=bad"].iloc[0] == "ok" and pd.isna(out["'=bad"].iloc[1])
    assert frame.columns[1] == "=bad", "the input frame is not modified"


def test_to_csv_bytes_round_trip() -> None:
    frame = pd.DataFrame({"id": ["=1+1", "-3", "Hôpital, \"A\"\nB"], "risk": [0.1, -0.2, np.nan]})
    back = pd.read_csv(io.BytesIO(to_csv_bytes(frame)), dtype=str, keep_default_na=False)
    assert back["id"].tolist() == ["'=1+1", "-3", "Hôpital, \"A\"\nB"]
    assert back["risk"].tolist() == ["0.1", "-0.2", ""]
    assert b"\r\n" not in to_csv_bytes(frame)


def test_big_frames_written_in_parallel_blocks_give_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Row blocks are written on threads and joined in order: the file is the one a single writer gives."""
    from core.data import csv_write

    rng = np.random.default_rng(5)
    n = 25_003  # not a multiple of the block count
    frame = pd.DataFrame({"id": [f"E{i}" for i in range(n)], "risk": rng.random(n),
                          "note": rng.choice(["=cmd", "plain", "a,b", 'say "hi"', ""], n)})
    monkeypatch.setattr(csv_write, "_WRITE_THREADS", 3)
    parallel = csv_write.to_csv_bytes(frame)
    monkeypatch.setattr(csv_write, "_WRITE_THREADS", 1)
    assert parallel == csv_write.to_csv_bytes(frame)
    assert parallel.count(b"\n") == n + 1 and parallel.startswith(b"\"id\",\"risk\",\"note\"\n\"E0\",")
