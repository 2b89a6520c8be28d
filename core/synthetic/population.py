"""Patients and their encounters: who comes, how often, with which chronic conditions, to which site.

Age, sex, payer, home hospital, the comorbidity flags and an unobserved frailty are drawn once
per patient and shared by all of that patient's encounters, so rows of one patient are
correlated (data/README.md, "Population and structure").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.clinical.charlson import COMORBIDITIES, charlson_from_flags
from core.synthetic.draws import Encounters, choose, logit, sigmoid
from core.synthetic.tables import HOSPITALS, SITE_SHARE


def _encounters_per_patient(rng: np.random.Generator, rows: int) -> np.ndarray:
    """Patient index for each encounter: ~75% of patients seen once, a tail up to 8 times."""
    p = np.array([0.75, 0.15, 0.055, 0.025, 0.01, 0.005, 0.003, 0.002])
    p = p / p.sum()
    counts = rng.choice(np.arange(1, 9), size=rows, p=p)
    cum = np.cumsum(counts)
    n_pat = int(np.searchsorted(cum, rows) + 1)
    counts = counts[:n_pat].copy()
    counts[-1] -= int(cum[n_pat - 1] - rows)
    return np.repeat(np.arange(n_pat), counts)


def _comorbidities(rng: np.random.Generator, dec: np.ndarray, burden: np.ndarray) -> dict[str, np.ndarray]:
    """Charlson flags rising with age decade ``dec``, sharing a latent ``burden``, with clinical links."""
    n = len(dec)

    def flag(prev: float, slope: float, extra: np.ndarray | float = 0.0) -> np.ndarray:
        return rng.random(n) < sigmoid(logit(prev) + slope * dec + 0.55 * burden + extra)

    cm: dict[str, np.ndarray] = {}
    cm["cm_mi"] = flag(0.08, 0.35)
    cm["cm_chf"] = flag(0.11, 0.55, 0.6 * cm["cm_mi"])
    cm["cm_pvd"] = flag(0.05, 0.35)
    cm["cm_cvd"] = flag(0.08, 0.40)
    cm["cm_dementia"] = flag(0.035, 0.95)
    cm["cm_copd"] = flag(0.14, 0.20)
    cm["cm_connective_tissue"] = flag(0.03, 0.0)
    cm["cm_peptic_ulcer"] = flag(0.025, 0.10)
    liver = flag(0.05, -0.15)
    severe = liver & (rng.random(n) < 0.25)
    cm["cm_liver_severe"] = severe
    cm["cm_liver_mild"] = liver & (~severe | (rng.random(n) < 0.4))
    diab = flag(0.22, 0.10)
    comp = diab & (rng.random(n) < 0.33)
    cm["cm_diabetes_complicated"] = comp
    cm["cm_diabetes"] = diab & (~comp | (rng.random(n) < 0.3))
    cm["cm_hemiplegia"] = flag(0.012, 0.1, 1.8 * cm["cm_cvd"])
    cm["cm_renal"] = flag(0.10, 0.45, 0.9 * comp + 0.5 * cm["cm_chf"])
    tumour = flag(0.12, 0.35)
    meta = tumour & (rng.random(n) < 0.3)
    cm["cm_metastatic"] = meta
    cm["cm_cancer"] = tumour & (~meta | (rng.random(n) < 0.5))
    return {k: cm[k] for k in COMORBIDITIES}


def _patients(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Patient-level traits: age, sex, payer, home site, chronic conditions, latent frailty."""
    age0 = np.clip(np.floor(18 + 82 * rng.beta(2.4, 2.0, size=n)), 18, 99).astype(int)
    female = rng.random(n) < 0.52
    dec = (age0 - 65) / 10.0
    burden = rng.normal(size=n)  # observed through the comorbidity flags
    frailty = rng.normal(size=n)  # never observed: the realistic noise in the outcome
    old = age0 >= 65
    ins_p = np.where(
        old[:, None],
        np.array([[0.86, 0.05, 0.07, 0.02]]),
        np.array([[0.08, 0.27, 0.56, 0.09]]),
    )
    insurance = choose(rng, ins_p)
    cm = _comorbidities(rng, dec, burden)
    home = rng.choice(len(HOSPITALS), size=n, p=np.array(SITE_SHARE))
    birthday = rng.integers(0, 365, size=n)
    return {
        "age0": age0,
        "female": female,
        "insurance": insurance,
        "frailty": frailty,
        "home": home,
        "birthday": birthday,
        **cm,
    }


def draw_population(rng: np.random.Generator, rows: int) -> Encounters:
    """One entry per encounter: its patient's traits, patient number, Charlson index and hospital."""
    pidx = _encounters_per_patient(rng, rows)
    n_pat = int(pidx.max()) + 1
    pat = _patients(rng, n_pat)
    width = max(6, len(str(10 * n_pat)))
    pat_ids = rng.choice(max(10 * n_pat, 10**6), size=n_pat, replace=False)
    enc: Encounters = {name: pat[name][pidx] for name in ("age0", "female", "insurance", "frailty", "birthday")}
    enc["pidx"] = pidx
    enc["patient_id"] = np.array([f"P{i:0{width}d}" for i in pat_ids], dtype=object)[pidx]
    enc["dec"] = (enc["age0"] - 65) / 10.0
    enc.update({k: pat[k][pidx].astype(int) for k in COMORBIDITIES})
    enc["cancer_any"] = (enc["cm_cancer"] | enc["cm_metastatic"]).astype(bool)
    enc["diabetes_any"] = (enc["cm_diabetes"] | enc["cm_diabetes_complicated"]).astype(bool)
    enc["charlson"] = charlson_from_flags(pd.DataFrame({k: enc[k] for k in COMORBIDITIES})).to_numpy()
    # Patients use their home site for most stays.
    stay_away = rng.random(rows) < 0.12
    enc["hospital"] = np.where(stay_away, rng.choice(len(HOSPITALS), size=rows, p=np.array(SITE_SHARE)),
                               pat["home"][pidx])
    return enc
