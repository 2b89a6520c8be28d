"""What happens clinically in a stay: service, diagnosis, acuity, procedures, prior use, labs, medications.

Each value is drawn from the patient's traits and the earlier stages, with the effects listed
in data/README.md ("Columns"); the comorbidity flags steer service and diagnosis.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.synthetic.draws import Encounters, choose, has_diagnosis, neg_binomial
from core.synthetic.tables import DIAGNOSES, DIAGNOSIS_CODES, SERVICE_BASE, SERVICE_PROCEDURE, SITE_CASEMIX
from core.synthetic.timing import prior_admissions


def _service(rng: np.random.Generator, enc: Encounters) -> np.ndarray:
    """Discharging service from the site's case-mix, the comorbidities and age."""
    age0 = enc["age0"]
    w = np.array(SITE_CASEMIX)[enc["hospital"]] * np.array(SERVICE_BASE)
    w[:, 1] *= 1 + 2.0 * (enc["cm_chf"] | enc["cm_mi"])
    w[:, 2] *= np.where(enc["cancer_any"], 60.0, 1.0)
    w[:, 5] *= 1 + 2.0 * enc["cm_copd"]
    w[:, 6] *= 1 + 1.2 * (enc["cm_cvd"] | enc["cm_hemiplegia"] | enc["cm_dementia"])
    w[:, 3] *= np.where(age0 < 50, 1.4, 1.0)
    w[:, 0] *= np.where(age0 >= 75, 1.3, 1.0)
    w[:, 4] *= np.where(age0 >= 75, 1.2, 1.0)
    return choose(rng, w)


def _diagnosis(rng: np.random.Generator, enc: Encounters, service: np.ndarray) -> np.ndarray:
    """Primary diagnosis (index into ``DIAGNOSES``) within the service, steered by the comorbidities."""
    age0 = enc["age0"]
    dx_service = np.array([d[1] for d in DIAGNOSES])
    dx_freq = np.array([d[2] for d in DIAGNOSES])
    dw = (service[:, None] == dx_service[None, :]) * dx_freq[None, :]
    codes = DIAGNOSIS_CODES
    dw[:, codes.index("I50")] *= 1 + 3.0 * enc["cm_chf"]
    dw[:, codes.index("J44")] *= 1 + 3.0 * enc["cm_copd"]
    dw[:, codes.index("I63")] *= 1 + 1.0 * enc["cm_cvd"]
    dw[:, codes.index("S72")] *= np.where(age0 >= 75, 3.0, 0.5)
    dw[:, codes.index("F10")] *= np.where(age0 < 60, 2.0, 0.5) * (1 + 2.0 * enc["cm_liver_mild"])
    return choose(rng, dw)


def draw_admission(rng: np.random.Generator, enc: Encounters) -> Encounters:
    """Service, diagnosis, admission type (elective depends on the diagnosis) and any procedure."""
    n = len(enc["age0"])
    service = _service(rng, enc)
    dx = _diagnosis(rng, enc, service)
    p_elective = np.array([d[3] for d in DIAGNOSES])[dx]
    elective = rng.random(n) < p_elective
    urgent = ~elective & (rng.random(n) < 0.22)
    procedure = rng.random(n) < np.array(SERVICE_PROCEDURE)[service] * np.where(elective, 1.05, 1.0)
    procedure = procedure | (elective & (service >= 3) & (service <= 4))
    return {
        "service": service,
        "dx": dx,
        "elective": elective,
        "emergency": ~elective & ~urgent,
        "acute": ~elective,  # LACE 'A' and HOSPITAL 'IT': emergency or urgent
        "adm_type": np.where(elective, "elective", np.where(urgent, "urgent", "emergency")),
        "procedure": procedure,
    }


def draw_utilisation(rng: np.random.Generator, enc: Encounters) -> Encounters:
    """ED visits in 6 months and admissions in 12 months before this stay (the file's own stays included)."""
    frailty, charlson, elective = enc["frailty"], enc["charlson"], enc["elective"]
    insurance = enc["insurance"]
    low_income = (insurance == 1) | (insurance == 3)
    ed_mean = 0.42 * np.exp(
        0.30 * frailty
        + 0.08 * np.minimum(charlson, 8)
        + 0.35 * low_income
        + 0.25 * (enc["age0"] < 40)
        + 0.6 * has_diagnosis(enc, "F10")
        + 0.25 * enc["cm_copd"]
        - 0.6 * elective
    )
    ed_visits = np.minimum(neg_binomial(rng, ed_mean, 0.7), 25)
    prior_in_file = prior_admissions(enc["pidx"], enc["day"], enc["los"])
    adm_mean = 0.30 * np.exp(
        0.45 * frailty
        + 0.10 * np.minimum(charlson, 8)
        + 0.25 * (ed_visits > 0)
        + 0.5 * enc["cancer_any"]
        + 0.2 * enc["cm_chf"]
        - 0.3 * elective
    )
    admissions = np.minimum(neg_binomial(rng, adm_mean, 0.6) + prior_in_file, 20)
    return {"low_income": low_income, "ed_visits": ed_visits, "admissions": admissions}


def _hemoglobin(rng: np.random.Generator, enc: Encounters, short_elective: np.ndarray) -> np.ndarray:
    """Last hemoglobin (g/dL) before discharge; missing mostly for short elective stays."""
    n = len(enc["age"])
    service = enc["service"]
    hb = (
        np.where(enc["female"], 12.9, 13.9)
        - 0.015 * (enc["age"] - 60)
        - 1.2 * enc["cm_renal"]
        - 0.9 * enc["cm_cancer"]
        - 1.3 * enc["cm_metastatic"]
        - 0.4 * enc["cm_chf"]
        - 0.8 * enc["cm_liver_severe"]
        - 0.7 * (enc["procedure"] & (service >= 3) & (service <= 4))
        - 1.8 * has_diagnosis(enc, "K92")
        - 2.2 * has_diagnosis(enc, "D64")
        - 0.9 * has_diagnosis(enc, "D70")
        - 0.25 * enc["frailty"]
        + rng.normal(0.0, 1.25, size=n)
    )
    hb = np.round(np.clip(hb, 5.5, 18.5), 1)
    return np.where(rng.random(n) < 0.035 + 0.30 * short_elective, np.nan, hb)


def _sodium(rng: np.random.Generator, enc: Encounters) -> np.ndarray:
    """Last serum sodium (mmol/L) before discharge, before missing values are blanked."""
    na = (
        139.5
        - 2.2 * enc["cm_chf"]
        - 3.0 * enc["cm_liver_severe"]
        - 0.8 * enc["cm_liver_mild"]
        - 1.0 * enc["cm_renal"]
        - 0.04 * np.maximum(enc["age"] - 70, 0)
        - 8.0 * has_diagnosis(enc, "E87")
        - 1.5 * has_diagnosis(enc, "A41")
        - 1.5 * has_diagnosis(enc, "F10")
        + 3.5 * has_diagnosis(enc, "E86")
        - 0.8 * has_diagnosis(enc, "C34")
        + rng.normal(0.0, 3.0, size=len(enc["age"]))
    )
    return np.clip(np.round(na), 116, 160)


def draw_labs(rng: np.random.Generator, enc: Encounters) -> Encounters:
    """Hemoglobin and sodium at discharge; short elective stays often have none."""
    short_elective = enc["elective"] & (enc["los"] <= 2)
    hb = _hemoglobin(rng, enc, short_elective)
    na = _sodium(rng, enc)
    na_missing = rng.random(len(na)) < 0.07 + 0.40 * short_elective
    sodium = pd.array(np.where(na_missing, 0, na).astype(int), dtype="Int64")
    sodium[na_missing] = pd.NA
    return {"hb": hb, "na": na, "na_missing": na_missing, "sodium": sodium}


def draw_medications(rng: np.random.Generator, enc: Encounters) -> Encounters:
    """Discharge medication count (gamma-Poisson) and polypharmacy (10 or more)."""
    med_mean = np.exp(
        np.log(5.6)
        + 0.09 * np.minimum(enc["charlson"], 10)
        + 0.010 * (enc["age"] - 60)
        + 0.20 * enc["cm_chf"]
        + 0.15 * enc["diabetes_any"]
        + 0.10 * enc["cm_copd"]
        - 0.25 * enc["elective"]
    )
    n_meds = np.minimum(neg_binomial(rng, med_mean, 5.0), 35)
    return {"n_meds": n_meds, "poly": n_meds >= 10}
