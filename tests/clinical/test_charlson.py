"""Charlson index: ICD-10 codes to flags (Quan 2005), and one weighting rule for a patient and a cohort."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.clinical import charlson
from core.clinical.charlson import COMORBIDITIES, charlson_flags, charlson_from_flags, charlson_index


@pytest.mark.parametrize(("codes", "flags", "index"), [
    (["I21.4"], {"cm_mi"}, 1),
    (["I252"], {"cm_mi"}, 1),
    (["I25.1"], set(), 0),
    (["E11.9", "E11.22"], {"cm_diabetes", "cm_diabetes_complicated"}, 2),
    (["C34.1", "C78.0"], {"cm_cancer", "cm_metastatic"}, 6),
    (["K70.3", "K72.10"], {"cm_liver_mild", "cm_liver_severe"}, 3),
    (["c44.9"], set(), 0),  # skin cancer other than melanoma is not counted
    (["C43.9"], {"cm_cancer"}, 2),
    (["N18.6", "I63.9", "G81.9", "F03.90"], {"cm_renal", "cm_cvd", "cm_hemiplegia", "cm_dementia"}, 6),
])
def test_charlson_from_icd10(codes: list[str], flags: set[str], index: int) -> None:
    found = charlson_flags(codes)
    assert {f for f, v in found.items() if v} == flags
    assert charlson_index(found) == index


def test_charlson_prefix_table_is_well_formed() -> None:
    assert set(charlson.CHARLSON_ICD10) == set(COMORBIDITIES)
    assert len(charlson.ICD10_PREFIXES["cm_cancer"]) == 27 + 5 + 5 + 1 + 14 + 17 + 5 + 1 + 8
    assert charlson.ICD10_PREFIXES["cm_chf"][5:11] == ("I420", "I425", "I426", "I427", "I428", "I429")
    for prefixes in charlson.ICD10_PREFIXES.values():
        assert all(p.isalnum() and p.isupper() and 3 <= len(p) <= 4 for p in prefixes)


def test_charlson_index_matches_the_training_data_rule() -> None:
    rng = np.random.default_rng(0)
    flags = pd.DataFrame(rng.random((300, len(COMORBIDITIES))) < 0.3, columns=list(COMORBIDITIES))
    expected = charlson_from_flags(flags).to_numpy()
    got = [charlson_index(row) for row in flags.astype(int).to_dict("records")]
    assert got == expected.tolist()


def test_each_hierarchy_counts_once_at_the_higher_weight_for_a_frame_and_a_patient() -> None:
    frame = pd.DataFrame(0, index=range(4), columns=list(COMORBIDITIES))
    frame.loc[0, ["cm_diabetes", "cm_diabetes_complicated"]] = 1
    frame.loc[1, ["cm_liver_mild", "cm_liver_severe", "cm_mi"]] = 1
    frame.loc[2, ["cm_cancer", "cm_metastatic", "cm_renal"]] = 1
    frame.loc[3, "cm_cancer"] = 1
    assert charlson_from_flags(frame).tolist() == [2, 4, 8, 2]
    assert [charlson_index(r) for r in frame.to_dict("records")] == [2, 4, 8, 2]
    assert charlson_index({}) == 0


def _defined_names(tree: ast.Module) -> set[str]:
    """Every name a module binds by assignment or ``def``, at any depth."""
    names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def test_charlson_is_defined_only_in_its_clinical_home() -> None:
    """The generator and the FHIR mapper import Charlson; a second copy could drift from the model's rule."""
    root = Path(__file__).resolve().parents[2] / "core"
    charlson_names = {"CHARLSON_WEIGHTS", "CHARLSON_HIERARCHY", "CHARLSON_ICD10", "COMORBIDITIES",
                      "charlson_index", "charlson_from_flags", "charlson_flags"}
    defining = {
        path.relative_to(root).as_posix()
        for path in root.rglob("*.py")
        if _defined_names(ast.parse(path.read_text(encoding="utf-8"))) & charlson_names
    }
    assert defining == {"clinical/charlson.py"}
