"""Synthetic discharge cohort for Lantern (30-day readmission risk).

Why synthetic: the app needs a realistic, shareable, fully reproducible cohort to
train, test and demo on without touching patient data. Every distribution and
every effect in the outcome model is documented in ``data/README.md``; the outcome
is drawn from a known logistic model built around the LACE (van Walraven, CMAJ
2010) and HOSPITAL (Donze, JAMA Intern Med 2013) items, with non-linear effects,
interactions and a large unobserved frailty term so that discrimination stays in
the published range (C ~0.65-0.78) instead of looking too good to be true.

Determinism: one ``numpy.random.default_rng(seed)`` drives every draw, in a fixed
order, so the same seed gives the same frame and (via ``write_csv``) the same bytes.
``generate`` runs the stages in that order, each in the module named for its job:
population, timing, clinical, discharge, outcome. The parameters are in ``tables``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from core.clinical.charlson import COMORBIDITIES
from core.synthetic.clinical import draw_admission, draw_labs, draw_medications, draw_utilisation
from core.synthetic.discharge import draw_discharge
from core.synthetic.draws import Encounters
from core.synthetic.outcome import draw_after_discharge, draw_readmission
from core.synthetic.population import draw_population
from core.synthetic.tables import DIAGNOSIS_CODES, DISPOSITIONS, HOSPITALS, INSURANCES, OUTCOME, SERVICES
from core.synthetic.timing import draw_admission_day, draw_stay


def _frame(enc: Encounters) -> pd.DataFrame:
    """The cohort's columns (``tables.COLUMNS`` after ``encounter_id``) from the drawn arrays."""
    return pd.DataFrame(
        {
            "patient_id": enc["patient_id"],
            "hospital": np.array(HOSPITALS, dtype=object)[enc["hospital"]],
            "service": np.array(SERVICES, dtype=object)[enc["service"]],
            "admission_date": np.datetime_as_string(enc["adm_date"], unit="D"),
            "discharge_date": np.datetime_as_string(enc["dis_date"], unit="D"),
            "length_of_stay_days": enc["los"],
            "age": enc["age"],
            "sex": np.where(enc["female"], "female", "male"),
            "insurance": np.array(INSURANCES, dtype=object)[enc["insurance"]],
            "admission_type": enc["adm_type"],
            "primary_diagnosis": np.array(DIAGNOSIS_CODES, dtype=object)[enc["dx"]],
            **{k: enc[k] for k in COMORBIDITIES},
            "charlson_index": enc["charlson"],
            "ed_visits_6m": enc["ed_visits"].astype(int),
            "admissions_12m": enc["admissions"].astype(int),
            "procedure_during_stay": enc["procedure"].astype(int),
            "hemoglobin_g_dl": enc["hb"],
            "sodium_mmol_l": enc["sodium"],
            "n_medications": enc["n_meds"].astype(int),
            "discharge_disposition": np.array(DISPOSITIONS, dtype=object)[enc["disp"]],
            "followup_within_7d": enc["followup"].astype(int),
            "med_reconciliation": enc["medrec"].astype(int),
            "total_cost": np.round(enc["cost"], 2),
            "satisfaction_score": enc["satisfaction"],
            OUTCOME: enc["readmitted"].astype(int),
        }
    )


def generate(rows: int, seed: int, labelled: bool = True) -> pd.DataFrame:
    """Synthetic cohort of adult medical and surgical discharges, deterministic for a seed.

    ``labelled=False`` draws exactly the same cohort and drops ``readmitted_30d``,
    so an unlabelled file is a fair stand-in for new patients scored by the app.
    """
    if rows < 1:
        raise ValueError("rows must be >= 1")
    rng = np.random.default_rng(seed)
    enc = draw_population(rng, rows)
    enc["day"] = draw_admission_day(rng, rows)
    for stage in (draw_admission, draw_stay, draw_utilisation, draw_labs, draw_medications, draw_discharge):
        enc.update(stage(rng, enc))
    enc["readmitted"] = draw_readmission(rng, enc)
    enc.update(draw_after_discharge(rng, enc))
    df = _frame(enc)
    # Encounter numbers follow admission order, as a hospital's would.
    order = np.lexsort((rng.random(rows), enc["day"]))
    df = df.iloc[order].reset_index(drop=True)
    df.insert(0, "encounter_id", [f"E{i:07d}" for i in range(1, rows + 1)])
    if not labelled:
        df = df.drop(columns=[OUTCOME])
    return df


def write_csv(df: pd.DataFrame, path: str | Path) -> None:
    """Write a frame as CSV with stable bytes: floats rounded, '\\n' line ends, blanks for missing."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(2)
    out.to_csv(path, index=False, lineterminator="\n", na_rep="", encoding="utf-8")
