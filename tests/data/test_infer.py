"""Schema inference on a messy extract: markers, codes, IDs, constant and empty columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.data.infer import SchemaError, infer_schema, target_vector
from core.data.schema import OTHER_LEVEL, Schema


def messy(rows: int = 1200, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    codes = [f"D{i:03d}" for i in rng.integers(0, 500, rows)]
    codes[:300] = ["D001"] * 150 + ["D002"] * 150
    age = rng.integers(18, 95, rows).astype(str).astype(object)
    age[rng.random(rows) < 0.1] = "?"
    sodium = np.round(rng.normal(139, 4, rows), 1).astype(str).astype(object)
    for i, marker in enumerate(["NA", "N/A", "NULL", "None", "", " "]):
        sodium[i * 7] = marker
    return pd.DataFrame({
        "row_key": [f"K{i}" for i in range(rows)],
        "patient_nbr": [str(1000 + i // 2) for i in range(rows)],
        "age": age,
        "sodium_mmol_l": sodium,
        "diag_code": codes,
        "admission_type_id": rng.integers(1, 8, rows).astype(str),
        "smoker": rng.choice(["Yes", "No"], rows),
        "flag01": rng.integers(0, 2, rows).astype(str),
        "constant": ["same"] * rows,
        "empty": ["?"] * rows,
        "visit_date": pd.date_range("2023-01-01", periods=rows, freq="6h").strftime("%Y-%m-%d"),
        "readmitted": rng.choice(["<30", ">30", "NO"], rows, p=[0.15, 0.35, 0.5]),
    })


def test_messy_extract_schema() -> None:
    schema, notes = infer_schema(messy(), "readmitted", positive="<30", group_column="patient_nbr")
    kinds = {f.name: f.kind for f in schema.features}
    assert "row_key" in schema.id_columns and "patient_nbr" in schema.id_columns
    assert "row_key" not in kinds and "patient_nbr" not in kinds
    assert "constant" not in kinds and "empty" not in kinds
    assert "visit_date" in schema.context_columns and "visit_date" not in kinds
    assert kinds["age"] == "numeric" and kinds["sodium_mmol_l"] == "numeric"
    assert kinds["smoker"] == "binary" and kinds["flag01"] == "binary"
    assert kinds["admission_type_id"] == "categorical"
    diag = schema.feature("diag_code")
    assert diag.kind == "categorical" and OTHER_LEVEL in diag.categories and len(diag.categories) <= 31
    sodium = schema.feature("sodium_mmol_l")
    assert sodium.missing_share == pytest.approx(6 / 1200)  # every marker recognised
    assert sodium.plausible_max == 200 and sodium.unit == "mmol/L"
    assert schema.feature("age").missing_share > 0.05
    joined = " ".join(notes)
    assert "constant" in joined and "every value is missing" in joined and "grouped" in joined
    assert Schema.from_dict(schema.to_dict()) == schema


def test_target_needs_positive_for_text_outcomes() -> None:
    with pytest.raises(SchemaError, match="--positive"):
        target_vector(pd.Series(["<30", "NO"], name="readmitted"), None)
    y, pos = target_vector(pd.Series(["yes", "no", "?"], name="t"), None)
    assert pos == "1" and y[0] == 1 and y[1] == 0 and np.isnan(y[2])


def test_overrides_set_labels_modifiable_and_exclusions() -> None:
    overrides = {"exclude": ["smoker"], "features": {"age": {"label": "Age at discharge", "modifiable": True}}}
    schema, _ = infer_schema(messy(), "readmitted", positive="<30", overrides=overrides)
    assert "smoker" not in schema.names and "smoker" in schema.context_columns
    assert schema.feature("age").label == "Age at discharge" and schema.feature("age").modifiable


def test_missing_target_column_is_named() -> None:
    with pytest.raises(SchemaError, match="'outcome' is not in the file"):
        infer_schema(messy(), "outcome")


def test_schema_file_may_be_yaml_or_json(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from core.data.infer import load_schema_file

    yml = tmp_path / "schema.yaml"
    yml.write_text("exclude: [smoker]\nfeatures:\n  age:\n    label: Age at discharge\n    modifiable: true\n")
    js = tmp_path / "schema.json"
    js.write_text('{"exclude": ["smoker"], "features": {"age": {"label": "Age at discharge", "modifiable": true}}}')
    assert load_schema_file(yml) == load_schema_file(js)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(SchemaError, match="not valid JSON"):
        load_schema_file(bad)


def test_rare_training_levels_are_not_flagged_as_unseen() -> None:
    from core.data.validate import validate

    raw = messy()
    schema, _ = infer_schema(raw, "readmitted", positive="<30")
    diag = schema.feature("diag_code")
    rare = diag.other_levels[0]
    rows = raw.head(3).copy()
    rows["diag_code"] = [rare, "Z999-never-seen", "D001"]
    result = validate(rows, schema)
    assert result.unseen["diag_code"].tolist() == [False, True, False]
