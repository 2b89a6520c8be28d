"""Validation rules: column matching, whole-file messages, row rejections, flags and row accounting."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from core.data.parse import as_text, number_from_text, parse_binary, parse_categorical, parse_numeric
from core.data.schema import AltUnit, FeatureSpec, Schema
from core.data.validate import ValidationError, ValidationResult, match_columns, validate
from core.scoring.engine import Engine
from tests.conftest import DEMO_COHORT

SCHEMA = Schema(
    features=(
        FeatureSpec("age", "numeric", unit="years", plausible_min=0, plausible_max=120, train_min=18, train_max=100),
        FeatureSpec("hemoglobin_g_dl", "numeric", unit="g/dL", plausible_min=2, plausible_max=25, train_min=5.5,
                    train_max=17.5, alt_units=(AltUnit("g/L", 0.1), AltUnit("mmol/L", 1.611))),
        FeatureSpec("sex", "categorical", categories=("female", "male")),
        FeatureSpec("service", "categorical", categories=("general medicine", "surgery")),
        FeatureSpec("followup", "binary", categories=("0", "1")),
    ),
    target="readmitted",
    id_columns=("encounter_id",),
    context_columns=("hospital",),
)
GOOD = {"encounter_id": "E1", "age": "67", "hemoglobin_g_dl": "13.5", "sex": "female", "service": "surgery",
        "followup": "1", "hospital": "Northgate", "readmitted": "0"}


def frame(*rows: dict[str, object], base: dict[str, object] | None = None) -> pd.DataFrame:
    base = GOOD if base is None else base
    return pd.DataFrame([{**base, "encounter_id": f"E{i + 1}", **row} for i, row in enumerate(rows)])


def accounting(result: ValidationResult) -> None:
    """The invariant every result keeps: each input row is either clean or rejected, once."""
    assert result.n_read == result.n_scored + result.n_rejected
    rejected = set((result.rejected["row"] - 1).tolist())
    clean = set(result.clean.index.tolist())
    assert not rejected & clean
    assert rejected | clean == set(range(result.n_read))
    assert (result.rejected["reason"].str.len() > 0).all()
    for mask in (result.missing, result.out_of_range, result.unseen):
        assert mask.index.equals(result.clean.index)
    assert len(result.flags_text()) == result.n_scored


# ---- columns -------------------------------------------------------------------------------------
def test_columns_match_after_trimming_and_ignoring_case() -> None:
    raw = frame({}).rename(columns={"age": " AGE ", "sex": "Sex", "encounter_id": "ENCOUNTER_ID"})
    assert match_columns(list(raw.columns), SCHEMA)["age"] == " AGE "
    result = validate(raw, SCHEMA)
    assert result.n_scored == 1
    assert result.clean["age"].iloc[0] == 67
    assert result.clean["encounter_id"].iloc[0] == "E1"
    assert result.extra_columns == []


def test_a_column_match_from_an_earlier_check_is_reused_not_redone() -> None:
    """The upload checks the file once, then drops identifier columns; validation reuses that match."""
    from core.data.validate import check_columns

    raw = frame({}, {"age": "x"}).rename(columns={"age": " AGE "}).assign(notes="call me")
    found = check_columns(raw, SCHEMA)
    assert found["age"] == " AGE "
    again = validate(raw.drop(columns=["notes"]), SCHEMA, columns=found)
    plain = validate(raw.drop(columns=["notes"]), SCHEMA)
    pd.testing.assert_frame_equal(again.clean, plain.clean)
    pd.testing.assert_frame_equal(again.rejected, plain.rejected)
    assert again.columns == plain.columns == found and again.extra_columns == plain.extra_columns == []
    with pytest.raises(ValidationError, match="no columns"):
        validate(raw[[]], SCHEMA, columns=found)  # every column dropped: still refused


def test_exact_spelling_wins_and_unknown_columns_are_listed_as_extra() -> None:
    raw = frame({"ward": "B", "notes": "x"})
    result = validate(raw, SCHEMA)
    assert result.extra_columns == ["ward", "notes"]
    assert "ward" not in result.clean.columns


def test_a_missing_input_column_is_not_recorded_on_every_row_and_named() -> None:
    raw = frame({}).drop(columns=["hemoglobin_g_dl"])
    result = validate(raw, SCHEMA)
    assert result.absent_columns == ["hemoglobin_g_dl"]
    assert result.n_scored == len(raw) and result.n_rejected == 0
    assert result.missing["hemoglobin_g_dl"].all() and result.clean["hemoglobin_g_dl"].isna().all()


def test_several_missing_columns_are_all_named() -> None:
    raw = frame({}).drop(columns=["hemoglobin_g_dl", "followup"])
    result = validate(raw, SCHEMA)
    assert result.absent_columns == ["hemoglobin_g_dl", "followup"]
    assert result.missing[["hemoglobin_g_dl", "followup"]].all().all()


def test_a_file_without_a_required_input_column_is_refused_naming_it() -> None:
    """Only the inputs an estimate cannot be made without are required columns (age here)."""
    assert SCHEMA.required_names == ("age",)
    with pytest.raises(ValidationError, match=r"no column for Age \(age\), which an estimate cannot be made without"):
        validate(frame({}).drop(columns=["age", "followup"]), SCHEMA)


def test_a_file_with_none_of_the_inputs_is_refused_naming_what_it_has() -> None:
    raw = pd.DataFrame({"colour": ["red"], "shape": ["round"]})
    with pytest.raises(ValidationError) as err:
        validate(raw, SCHEMA)
    msg = str(err.value)
    assert msg.startswith("None of the model's") and "The file has: colour, shape" in msg and "\n" not in msg


def test_no_model_column_at_all_suggests_a_header_problem() -> None:
    raw = pd.DataFrame({"E1": ["E2"], "67": ["70"]})
    with pytest.raises(ValidationError) as err:
        validate(raw, SCHEMA)
    assert "None of the model's 5 input columns" in str(err.value)
    assert "first row holds the column names" in str(err.value)
    assert "The file has: E1, 67." in str(err.value)


def test_optional_feature_may_be_absent() -> None:
    optional = SCHEMA.with_features([*SCHEMA.features[:4], FeatureSpec("followup", "binary", required=False)])
    result = validate(frame({}).drop(columns=["followup"]), optional)
    assert result.n_scored == 1 and result.missing["followup"].all()


def test_many_columns_are_cut_in_the_message() -> None:
    raw = pd.DataFrame({f"col{i}": ["1"] for i in range(60)})
    with pytest.raises(ValidationError) as err:
        validate(raw, SCHEMA)
    assert "col39 ..." in str(err.value) and "col40" not in str(err.value)


def test_duplicate_and_clashing_columns_are_whole_file_errors() -> None:
    dup = pd.concat([frame({}), frame({})[["age"]]], axis=1)
    with pytest.raises(ValidationError, match="Column names appear more than once: age"):
        validate(dup, SCHEMA)
    clash = frame({"AGE ": "70"})
    with pytest.raises(ValidationError, match="'age' and 'AGE ' differ only in spaces or capitals"):
        validate(clash, SCHEMA)
    # a clash between columns the model does not use is not a problem
    assert validate(frame({"Notes": "a", "notes ": "b"}), SCHEMA).n_scored == 1


@pytest.mark.parametrize(("raw", "words"), [(pd.DataFrame(), "no columns"),
                                            (frame({}).iloc[:0], "header but no data rows")])
def test_empty_tables(raw: pd.DataFrame, words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        validate(raw, SCHEMA)


# ---- rejections ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"age": "abc"}, "age: 'abc' is not a number (expected a number in years)"),
        ({"age": "67 years"}, "age: '67 years' is not a number"),
        ({"age": "inf"}, "age: 'inf' is not a number"),
        ({"age": "1 6"}, "age: '1 6' is not a number"),
        ({"age": "250"}, "age: '250' is impossible (plausible range 0 to 120 years)"),
        ({"age": "-1"}, "age: '-1' is impossible"),
        ({"age": "\u22121"}, "age: '\u22121' is impossible (read as -1)"),
        ({"age": "1,000"}, "age: '1,000' is impossible (read as 1000) (plausible range 0 to 120 years)"),
        ({"age": "1e3"}, "age: '1e3' is impossible (read as 1000)"),
        ({"hemoglobin_g_dl": "135"}, "hemoglobin_g_dl: '135' is impossible (plausible range 2 to 25 g/dL)"),
        ({"followup": "maybe"}, "followup: 'maybe' is not a yes/no value (use 1/0, yes/no or true/false)"),
        ({"followup": "2"}, "followup: '2' is not a yes/no value"),
    ],
)
def test_rejection_reason_names_column_value_and_reason(row: dict[str, str], reason: str) -> None:
    result = validate(frame({}, row, {}), SCHEMA)
    accounting(result)
    assert result.n_rejected == 1
    rejected = result.rejected.iloc[0]
    assert rejected["row"] == 2 and rejected["encounter_id"] == "E2"
    assert rejected["reason"].startswith(reason)
    assert rejected["reason"].endswith(")")
    assert result.clean.index.tolist() == [0, 2]


def test_all_problems_of_a_row_are_listed() -> None:
    result = validate(frame({"age": "old", "followup": "perhaps", "hemoglobin_g_dl": "99"}), SCHEMA)
    reason = result.rejected["reason"].iloc[0]
    assert reason.split("; ")[0].startswith("age: 'old'")
    assert "hemoglobin_g_dl: '99' is impossible" in reason
    assert "followup: 'perhaps'" in reason
    assert reason.count("; ") == 2


def test_long_values_are_shortened_in_reasons() -> None:
    result = validate(frame({"age": "x" * 100}), SCHEMA)
    assert result.rejected["reason"].iloc[0] == f"age: '{'x' * 40}...' is not a number (expected a number in years)"


def test_row_problems_reject_with_the_readers_reason_alone() -> None:
    raw = frame({}, {"age": "abc"}, {}, {})
    result = validate(raw, SCHEMA, row_problems={1: "line 3 has 9 fields but the header has 8",
                                                 2: "line 4 has 2 fields but the header has 8", 99: "ignored"})
    accounting(result)
    assert result.rejected["row"].tolist() == [2, 3]
    assert result.rejected["reason"].tolist() == ["line 3 has 9 fields but the header has 8",
                                                  "line 4 has 2 fields but the header has 8"]


# ---- accepted with flags -------------------------------------------------------------------------
def test_outside_training_range_unseen_and_missing_are_flagged_not_rejected() -> None:
    raw = frame({"age": "110"}, {"service": "Dermatology"}, {"hemoglobin_g_dl": "NA", "sex": "?"}, {})
    result = validate(raw, SCHEMA)
    accounting(result)
    assert result.n_scored == 4
    assert result.out_of_range["age"].tolist() == [True, False, False, False]
    assert result.unseen["service"].tolist() == [False, True, False, False]
    assert result.missing[["hemoglobin_g_dl", "sex"]].to_numpy().tolist()[2] == [True, True]
    assert result.flag_counts() == {"outside training range": 1, "unseen category": 1, "not recorded": 1}
    assert result.flags_text().tolist() == [
        "outside training range: age", "unseen category: service", "not recorded: hemoglobin_g_dl, sex", ""]
    assert result.clean["service"].iloc[1] == "Dermatology"


def test_several_kinds_of_flags_on_one_row() -> None:
    result = validate(frame({"age": "105", "service": "ICU", "followup": "", "hemoglobin_g_dl": "4"}), SCHEMA)
    assert result.flags_text().iloc[0] == (
        "outside training range: age, hemoglobin_g_dl; unseen category: service; not recorded: followup")


@pytest.mark.parametrize("marker", ["", " ", "?", "NA", "n/a", "N/A", "NULL", "null", "None", "NaN", "#N/A", "-",
                                    "--", "missing", "Not recorded"])
def test_missing_markers_mean_not_recorded(marker: str) -> None:
    result = validate(frame({"age": marker, "sex": marker, "followup": marker}), SCHEMA)
    assert result.n_scored == 1
    assert result.missing[["age", "sex", "followup"]].all(axis=None)
    assert np.isnan(result.clean["age"].iloc[0]) and pd.isna(result.clean["sex"].iloc[0])


def test_known_categories_match_in_any_case_and_spacing() -> None:
    result = validate(frame({"service": "  General   Medicine "}, {"sex": "MALE"}), SCHEMA)
    assert result.clean["service"].tolist() == ["general medicine", "surgery"]
    assert result.clean["sex"].tolist() == ["female", "male"]
    assert not result.unseen.to_numpy().any()


@pytest.mark.parametrize(("text", "value"), [("yes", 1), ("Y", 1), ("TRUE", 1), ("t", 1), ("1.0", 1), ("no", 0),
                                             ("N", 0), ("false", 0), ("F", 0), ("0", 0), (" 0.0 ", 0)])
def test_yes_no_words_in_binary_columns(text: str, value: int) -> None:
    assert validate(frame({"followup": text}), SCHEMA).clean["followup"].iloc[0] == value


def test_typed_values_from_the_form_are_accepted() -> None:
    raw = pd.DataFrame([{"age": 67, "hemoglobin_g_dl": 13.5, "sex": "male", "service": "surgery", "followup": True},
                        {"age": 70.0, "hemoglobin_g_dl": None, "sex": None, "service": "surgery", "followup": 0}])
    result = validate(raw, SCHEMA)
    assert result.n_scored == 2
    assert result.clean["age"].tolist() == [67, 70]
    assert result.clean["followup"].tolist() == [1, 0]
    assert result.missing.loc[1, "hemoglobin_g_dl"]


# ---- units ---------------------------------------------------------------------------------------
def test_alternative_unit_conversion_and_its_checks() -> None:
    raw = frame({"hemoglobin_g_dl": "135"}, {"hemoglobin_g_dl": "300"}, {"hemoglobin_g_dl": "40"})
    result = validate(raw, SCHEMA, units={"hemoglobin_g_dl": "g/L"})
    accounting(result)
    assert result.clean["hemoglobin_g_dl"].round(6).tolist() == [13.5, 4.0]
    assert result.out_of_range["hemoglobin_g_dl"].tolist() == [False, True]  # 4 g/dL < 5.5
    assert result.rejected["reason"].tolist() == [
        "hemoglobin_g_dl: '300' is impossible (= 30 g/dL from g/L) (plausible range 2 to 25 g/dL)"]
    # without the unit, 135 is an impossible g/dL value
    assert validate(raw, SCHEMA).n_rejected == 3


def test_canonical_unit_and_unknown_unit() -> None:
    assert validate(frame({}), SCHEMA, units={"hemoglobin_g_dl": "g/dL"}).clean["hemoglobin_g_dl"].iloc[0] == 13.5
    with pytest.raises(ValidationError, match="'mg/mL' is not an accepted unit for Hemoglobin g dl; use g/dL"):
        validate(frame({}), SCHEMA, units={"hemoglobin_g_dl": "mg/mL"})


def test_default_schema_converts_hemoglobin_in_g_per_litre(engine: Engine) -> None:
    from core.data.csvio import read_csv_path

    raw, _ = read_csv_path(DEMO_COHORT)
    raw = raw.head(50).copy()
    present = raw["hemoglobin_g_dl"].str.strip() != ""
    g_per_l = raw.copy()
    in_g_per_l = (raw.loc[present, "hemoglobin_g_dl"].astype(float) * 10).round(1)
    g_per_l.loc[present, "hemoglobin_g_dl"] = in_g_per_l.astype(str)
    a = validate(raw, engine.schema)
    b = validate(g_per_l, engine.schema, units={"hemoglobin_g_dl": "g/L"})
    assert b.n_rejected == a.n_rejected
    np.testing.assert_allclose(b.clean["hemoglobin_g_dl"], a.clean["hemoglobin_g_dl"], rtol=1e-9)


# ---- parsing helpers -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "value"),
    [(" 12 ", 12), ("12,5", 12.5), ("1,000", 1000), ("12,500", 12500), ("1,5000", 1.5), ("1 000", 1000),
     ("1\u00a0000,5", 1000.5), ("1'000", 1000), ("1.234,5", 1234.5), ("\u22123", -3), ("+4", 4), (".5", 0.5),
     ("1e3", 1000)],
)
def test_numbers_from_text(text: str, value: float) -> None:
    assert number_from_text(text) == pytest.approx(value)
    values, bad = parse_numeric(pd.Series([text]))
    assert values[0] == pytest.approx(value) and not bad[0]


@pytest.mark.parametrize("text", ["abc", "1 6", "1,2,3", "12.5.3", "inf", "-inf", "1e999", "0x10", "12 kg"])
def test_not_numbers(text: str) -> None:
    assert np.isnan(number_from_text(text))
    values, bad = parse_numeric(pd.Series([text]))
    assert np.isnan(values[0]) and bad[0]


def test_parsers_keep_missing_apart_from_unreadable() -> None:
    s = pd.Series(["1", "NA", None, "x", np.nan, "  "], index=[10, 11, 12, 13, 14, 15])
    values, bad = parse_numeric(s)
    assert bad.tolist() == [False, False, False, True, False, False]
    assert np.isnan(values[1:]).all()
    assert as_text(s).index.tolist() == [10, 11, 12, 13, 14, 15]
    assert as_text(s).isna().tolist() == [False, True, True, False, True, True]
    flags, bad = parse_binary(pd.Series(["yes", "?", "2"]))
    assert flags[0] == 1 and np.isnan(flags[1]) and bad.tolist() == [False, False, True]
    labels, unseen = parse_categorical(pd.Series(["Surgery", "icu", ""], index=[5, 6, 7]), ("surgery",))
    assert labels.tolist()[:2] == ["surgery", "icu"] and pd.isna(labels.iloc[2])
    assert labels.index.tolist() == [5, 6, 7] and unseen.tolist() == [False, True, False]


# ---- accounting and speed ------------------------------------------------------------------------
def test_accounting_on_a_mixed_table() -> None:
    rows = [{}, {"age": "x"}, {"age": "NA"}, {"followup": "3"}, {"service": "ICU"}, {"age": "500"}] * 50
    result = validate(frame(*rows), SCHEMA, row_problems={6: "line 8 has 2 fields but the header has 8"})
    accounting(result)
    assert result.n_read == 300
    assert result.n_rejected == 150 + 1


def test_input_index_does_not_matter() -> None:
    raw = frame({}, {"age": "abc"}, {}).set_index(pd.Index([7, 3, 5]))
    result = validate(raw, SCHEMA)
    accounting(result)
    assert result.rejected["row"].tolist() == [2]
    assert result.clean["encounter_id"].tolist() == ["E1", "E3"]


def test_demo_cohort_validates(engine: Engine) -> None:
    from core.data.csvio import read_csv_path

    raw, _ = read_csv_path(DEMO_COHORT)
    result = validate(raw, engine.schema)
    accounting(result)
    assert result.n_rejected == 0 and result.n_read == len(raw)


def test_validating_100k_rows_is_well_under_a_second(engine: Engine) -> None:
    from core.data.csvio import read_csv_path

    raw, _ = read_csv_path(DEMO_COHORT)
    big = pd.concat([raw] * (100_000 // len(raw) + 1), ignore_index=True).head(100_000)
    big.loc[::7, "age"] = "abc"
    big.loc[3::11, "sodium_mmol_l"] = "1,000"
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        result = validate(big, engine.schema)
        result.flags_text()
        best = min(best, time.perf_counter() - start)
    accounting(result)
    assert result.n_rejected == len(set(range(0, 100_000, 7)) | set(range(3, 100_000, 11)))
    assert best < 1.0, f"validating 100,000 rows took {best:.2f} s"


@pytest.mark.parametrize("spelling", ["HEMOGLOBIN G DL", "Hemoglobin-g (dl)", "hemoglobin.g.dl", " hemoglobin__g_dl "])
def test_headers_match_ignoring_case_spaces_underscores_and_punctuation(spelling: str) -> None:
    raw = frame({}).rename(columns={"hemoglobin_g_dl": spelling})
    result = validate(raw, SCHEMA)
    assert result.columns["hemoglobin_g_dl"] == spelling and result.absent_columns == []
    assert result.clean["hemoglobin_g_dl"].iloc[0] == 13.5


def test_two_headers_of_one_feature_are_refused_naming_both() -> None:
    raw = frame({"Hemoglobin (g/dL)": "13"})
    with pytest.raises(ValidationError, match=r"'hemoglobin_g_dl' and 'Hemoglobin \(g/dL\)' differ only"):
        validate(raw, SCHEMA)


def test_common_synonyms_are_mapped_and_the_mapping_is_listed() -> None:
    raw = frame({"sex": "F"}, {"sex": " w "}, {"sex": "M"}, {"sex": "F"}, {"sex": "Female"}, {"sex": "x"})
    result = validate(raw, SCHEMA)
    assert result.clean["sex"].tolist() == ["female", "female", "male", "female", "female", "x"]
    assert result.synonyms_applied == ["sex: F -> female (2 rows)", "sex: w -> female (1 row)",
                                       "sex: M -> male (1 row)"]
    assert result.unseen["sex"].tolist() == [False] * 5 + [True]


def test_a_synonym_never_overrides_a_real_category() -> None:
    schema = SCHEMA.with_features([FeatureSpec("sex", "categorical", categories=("female", "male", "m"))])
    result = validate(frame({"sex": "m"}, {"sex": "f"}), schema)
    assert result.clean["sex"].tolist() == ["m", "female"] and result.synonyms_applied == ["sex: f -> female (1 row)"]


def test_yes_no_spellings_other_than_1_0_are_listed_with_their_rows() -> None:
    """Y, no, true ... are read for a yes/no input and the mapping is shown; plain 1/0 needs no mention."""
    engine = Engine.load()
    frame = pd.read_csv(DEMO_COHORT, dtype=str, keep_default_na=False).head(30)
    flag = next(s.name for s in engine.schema.features if s.kind == "binary")
    frame[flag] = "0"
    frame.loc[[1, 2], flag] = "Y"
    frame.loc[3, flag] = "no"
    frame.loc[4, flag] = "TRUE"
    result = validate(frame, engine.schema)
    shown = [line for line in result.synonyms_applied if line.startswith(f"{flag}:")]
    assert shown == [f"{flag}: Y -> yes (2 rows)", f"{flag}: no -> no (1 row)", f"{flag}: TRUE -> yes (1 row)"]
    assert result.clean[flag].iloc[[1, 2, 3, 4]].tolist() == [1.0, 1.0, 0.0, 1.0]
