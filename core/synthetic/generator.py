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
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from core.clinical.charlson import COMORBIDITIES, charlson_from_flags

OUTCOME = "readmitted_30d"

COLUMNS: tuple[str, ...] = (
    "encounter_id",
    "patient_id",
    "hospital",
    "service",
    "admission_date",
    "discharge_date",
    "length_of_stay_days",
    "age",
    "sex",
    "insurance",
    "admission_type",
    "primary_diagnosis",
    *COMORBIDITIES,
    "charlson_index",
    "ed_visits_6m",
    "admissions_12m",
    "procedure_during_stay",
    "hemoglobin_g_dl",
    "sodium_mmol_l",
    "n_medications",
    "discharge_disposition",
    "followup_within_7d",
    "med_reconciliation",
    "total_cost",
    "satisfaction_score",
    OUTCOME,
)

START_DATE = np.datetime64("2023-01-01")
N_DAYS = 731  # 2023-01-01 .. 2024-12-31 inclusive

# Sites: name, share of patients, logit site effect on readmission, follow-up
# clinic rate, pharmacist med-reconciliation rate, cost multiplier, and case-mix
# multipliers on the service weights (order of SERVICES).
SERVICES: tuple[str, ...] = (
    "general medicine",
    "cardiology",
    "oncology",
    "surgery",
    "orthopaedics",
    "respiratory",
    "neurology",
)
_SERVICE_BASE = (0.30, 0.15, 0.012, 0.15, 0.10, 0.11, 0.08)
HOSPITALS: tuple[str, ...] = (
    "Northgate General",
    "Riverside",
    "St Columba's",
    "Eastfield Community",
    "Hillcrest",
)
_SITE_SHARE = (0.34, 0.26, 0.18, 0.13, 0.09)
_SITE_EFFECT = (0.0, 0.13, -0.20, 0.29, 0.07)
_SITE_FOLLOWUP = (0.55, 0.45, 0.52, 0.30, 0.40)
_SITE_MEDREC = (0.70, 0.55, 0.65, 0.38, 0.50)
_SITE_COST = (1.12, 1.0, 1.05, 0.88, 0.92)
_SITE_CASEMIX = (
    (0.9, 1.2, 1.5, 1.0, 0.8, 0.9, 1.4),
    (1.1, 1.0, 0.9, 1.0, 0.9, 1.0, 0.9),
    (0.6, 0.8, 0.6, 1.6, 2.2, 0.7, 0.6),
    (1.5, 0.8, 0.4, 0.7, 0.7, 1.4, 0.7),
    (1.2, 0.9, 0.5, 1.0, 1.0, 1.1, 0.8),
)
_SERVICE_COST = (8500.0, 13000.0, 14500.0, 17500.0, 20000.0, 9500.0, 11500.0)
_SERVICE_LOS = (0.0, -0.10, 0.20, 0.0, 0.05, 0.10, 0.10)
_SERVICE_PROCEDURE = (0.18, 0.45, 0.30, 0.92, 0.90, 0.20, 0.25)

# Primary diagnosis (ICD-10 category): code, service index, relative frequency
# within the service, P(elective), log-LOS shift, logit readmission shift.
_DIAGNOSES: tuple[tuple[str, int, float, float, float, float], ...] = (
    ("A41", 0, 0.14, 0.00, 0.35, 0.22),  # sepsis
    ("N39", 0, 0.13, 0.00, 0.00, 0.00),  # urinary tract infection
    ("E87", 0, 0.08, 0.00, 0.05, 0.15),  # electrolyte disorder (hyponatraemia)
    ("K92", 0, 0.09, 0.02, 0.00, 0.15),  # GI bleed
    ("R55", 0, 0.08, 0.00, -0.40, -0.22),  # syncope
    ("E11", 0, 0.08, 0.02, 0.00, 0.15),  # diabetes
    ("D64", 0, 0.06, 0.05, -0.20, 0.15),  # anaemia
    ("F10", 0, 0.06, 0.00, -0.10, 0.68),  # alcohol-related
    ("L03", 0, 0.10, 0.00, 0.05, -0.08),  # cellulitis
    ("E86", 0, 0.12, 0.00, -0.30, 0.00),  # dehydration
    ("T50", 0, 0.015, 0.00, -0.50, 0.30),  # poisoning (rare)
    ("R50", 0, 0.01, 0.00, -0.30, 0.00),  # fever, unspecified (rare)
    ("I50", 1, 0.30, 0.00, 0.30, 0.45),  # heart failure
    ("I21", 1, 0.20, 0.00, 0.10, 0.08),  # myocardial infarction
    ("I48", 1, 0.18, 0.08, -0.15, 0.00),  # atrial fibrillation
    ("I20", 1, 0.10, 0.30, -0.30, -0.15),  # angina
    ("R07", 1, 0.18, 0.00, -0.70, -0.38),  # chest pain
    ("I44", 1, 0.025, 0.30, 0.00, 0.00),  # heart block (rare)
    ("I35", 1, 0.02, 0.70, 0.30, 0.00),  # aortic valve disease (rare)
    ("C34", 2, 0.25, 0.25, 0.10, 0.15),  # lung cancer
    ("C18", 2, 0.18, 0.25, 0.10, 0.00),  # colon cancer
    ("C50", 2, 0.15, 0.35, -0.10, -0.15),  # breast cancer
    ("C25", 2, 0.10, 0.15, 0.20, 0.30),  # pancreatic cancer
    ("Z51", 2, 0.24, 0.90, -0.80, -0.08),  # chemotherapy session
    ("D70", 2, 0.05, 0.00, 0.10, 0.30),  # neutropenia (rare)
    ("C90", 2, 0.03, 0.30, 0.10, 0.15),  # myeloma (rare)
    ("K80", 3, 0.26, 0.55, -0.30, -0.22),  # gallstones
    ("K35", 3, 0.20, 0.00, -0.30, -0.30),  # appendicitis
    ("K56", 3, 0.16, 0.00, 0.40, 0.22),  # bowel obstruction
    ("K40", 3, 0.20, 0.85, -0.70, -0.45),  # inguinal hernia
    ("K57", 3, 0.18, 0.15, 0.10, 0.08),  # diverticular disease
    ("M17", 4, 0.30, 0.95, -0.10, -0.52),  # knee osteoarthritis (replacement)
    ("M16", 4, 0.25, 0.95, -0.05, -0.52),  # hip osteoarthritis (replacement)
    ("S72", 4, 0.25, 0.00, 0.55, 0.22),  # hip fracture
    ("S82", 4, 0.15, 0.05, 0.10, -0.15),  # lower-leg fracture
    ("M48", 4, 0.05, 0.75, 0.10, 0.00),  # spinal stenosis (rare)
    ("J44", 5, 0.32, 0.00, 0.10, 0.38),  # COPD exacerbation
    ("J18", 5, 0.35, 0.00, 0.10, 0.08),  # pneumonia
    ("J45", 5, 0.10, 0.00, -0.40, 0.00),  # asthma
    ("I26", 5, 0.10, 0.00, 0.10, 0.08),  # pulmonary embolism
    ("J96", 5, 0.10, 0.00, 0.30, 0.30),  # respiratory failure
    ("J84", 5, 0.03, 0.10, 0.20, 0.22),  # interstitial lung disease (rare)
    ("I63", 6, 0.40, 0.00, 0.40, 0.15),  # stroke
    ("G45", 6, 0.25, 0.00, -0.40, -0.22),  # TIA
    ("G40", 6, 0.25, 0.05, -0.20, 0.08),  # epilepsy
    ("G35", 6, 0.05, 0.40, 0.10, 0.00),  # multiple sclerosis (rare)
    ("G20", 6, 0.05, 0.10, 0.20, 0.15),  # Parkinson disease (rare)
)

DISPOSITIONS: tuple[str, ...] = (
    "home",
    "home with services",
    "skilled nursing facility",
    "rehabilitation",
    "against medical advice",
)
INSURANCES: tuple[str, ...] = ("medicare", "medicaid", "private", "self-pay")

# Intercept of the outcome model, tuned once so that prevalence is ~15%.
_BETA0 = -3.9


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


def _choose(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """Row-wise categorical draw from an (n, k) matrix of non-negative weights."""
    cum = np.cumsum(weights, axis=1)
    cum /= cum[:, -1:]
    u = rng.random(weights.shape[0])[:, None]
    return np.minimum((u > cum).sum(axis=1), weights.shape[1] - 1)


def _neg_binomial(rng: np.random.Generator, mean: np.ndarray, shape: float) -> np.ndarray:
    """Gamma-Poisson counts: over-dispersed, mostly small with a long tail, as utilisation is."""
    return rng.poisson(mean * rng.gamma(shape, 1.0 / shape, size=mean.shape))


def _day_weights() -> np.ndarray:
    """Daily admission volume: winter peak (~+20% in mid-January) and quieter weekends."""
    days = np.arange(N_DAYS)
    dates = START_DATE + days
    doy = (dates - dates.astype("datetime64[Y]")).astype(int)
    weekday = (dates.astype(int) + 3) % 7  # 0 = Monday
    w = 1.0 + 0.20 * np.cos(2 * np.pi * (doy - 20) / 365.25)
    w = w * np.where(weekday >= 5, 0.75, 1.0)
    return w / w.sum()


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
    insurance = _choose(rng, ins_p)

    def flag(prev: float, slope: float, extra: np.ndarray | float = 0.0) -> np.ndarray:
        logit = _logit(prev) + slope * dec + 0.55 * burden + extra
        return rng.random(n) < _sigmoid(logit)

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

    home = rng.choice(len(HOSPITALS), size=n, p=np.array(_SITE_SHARE))
    birthday = rng.integers(0, 365, size=n)
    return {
        "age0": age0,
        "female": female,
        "insurance": insurance,
        "frailty": frailty,
        "home": home,
        "birthday": birthday,
        **{k: cm[k] for k in COMORBIDITIES},
    }


# Readmission stays themselves are not rows of the file (it is a file of index
# discharges), so a patient's next stay in the file starts > 30 days after discharge.
_MIN_GAP = 30


def _fix_overlaps(
    rng: np.random.Generator, pid: np.ndarray, day: np.ndarray, los: np.ndarray, p_day: np.ndarray
) -> np.ndarray:
    """Redraw admission days until a patient's stays are > 30 days apart (no overlap, no unlisted readmission)."""
    day = day.copy()
    for _ in range(200):
        order = np.lexsort((day, pid))
        same = pid[order][1:] == pid[order][:-1]
        clash = same & (day[order][1:] <= day[order][:-1] + los[order][:-1] + _MIN_GAP)
        if not clash.any():
            return day
        idx = order[1:][clash]
        day[idx] = rng.choice(N_DAYS, size=idx.size, p=p_day)
    # Practically unreachable (needs 8 stays crowded into 2 years): keep dates distinct.
    order = np.lexsort((day, pid))
    for a, b in itertools.pairwise(order):
        if pid[a] == pid[b] and day[b] <= day[a]:
            day[b] = min(day[a] + 1, N_DAYS - 1)
    return day


def _prior_admissions(pid: np.ndarray, day: np.ndarray, los: np.ndarray) -> np.ndarray:
    """Per encounter: this patient's in-file stays discharged in the 365 days before admission."""
    order = np.lexsort((day, pid))
    p, d, lo = pid[order], day[order], los[order]
    n = len(order)
    prior = np.zeros(n, dtype=int)
    for k in range(1, 8):
        same = np.zeros(n, dtype=bool)
        same[k:] = p[k:] == p[:-k]
        gap = np.full(n, 10_000)
        gap[k:] = d[k:] - (d[:-k] + lo[:-k])
        prior += same & (gap <= 365)
    out = np.empty(n, dtype=int)
    out[order] = prior
    return out


def generate(rows: int, seed: int, labelled: bool = True) -> pd.DataFrame:
    """Synthetic cohort of adult medical and surgical discharges, deterministic for a seed.

    ``labelled=False`` draws exactly the same cohort and drops ``readmitted_30d``,
    so an unlabelled file is a fair stand-in for new patients scored by the app.
    """
    if rows < 1:
        raise ValueError("rows must be >= 1")
    rng = np.random.default_rng(seed)
    n = rows

    # --- patients and encounters ------------------------------------------------
    pidx = _encounters_per_patient(rng, n)
    n_pat = int(pidx.max()) + 1
    pat = _patients(rng, n_pat)
    width = max(6, len(str(10 * n_pat)))
    pat_ids = rng.choice(max(10 * n_pat, 10**6), size=n_pat, replace=False)

    def per(name: str) -> np.ndarray:
        return pat[name][pidx]

    age0 = per("age0")
    dec = (age0 - 65) / 10.0
    female = per("female")
    insurance = per("insurance")
    frailty = per("frailty")
    cm = {k: per(k).astype(int) for k in COMORBIDITIES}
    cancer_any = (cm["cm_cancer"] | cm["cm_metastatic"]).astype(bool)
    diabetes_any = (cm["cm_diabetes"] | cm["cm_diabetes_complicated"]).astype(bool)
    flags = pd.DataFrame(cm)
    charlson = charlson_from_flags(flags).to_numpy()

    stay_away = rng.random(n) < 0.12
    hospital = np.where(stay_away, rng.choice(len(HOSPITALS), size=n, p=np.array(_SITE_SHARE)), per("home"))
    p_day = _day_weights()
    day = rng.choice(N_DAYS, size=n, p=p_day)

    # --- service and diagnosis ----------------------------------------------------
    w = np.array(_SITE_CASEMIX)[hospital] * np.array(_SERVICE_BASE)
    w[:, 1] *= 1 + 2.0 * (cm["cm_chf"] | cm["cm_mi"])
    w[:, 2] *= np.where(cancer_any, 60.0, 1.0)
    w[:, 5] *= 1 + 2.0 * cm["cm_copd"]
    w[:, 6] *= 1 + 1.2 * (cm["cm_cvd"] | cm["cm_hemiplegia"] | cm["cm_dementia"])
    w[:, 3] *= np.where(age0 < 50, 1.4, 1.0)
    w[:, 0] *= np.where(age0 >= 75, 1.3, 1.0)
    w[:, 4] *= np.where(age0 >= 75, 1.2, 1.0)
    service = _choose(rng, w)

    dx_service = np.array([d[1] for d in _DIAGNOSES])
    dx_freq = np.array([d[2] for d in _DIAGNOSES])
    dw = (service[:, None] == dx_service[None, :]) * dx_freq[None, :]
    codes = [d[0] for d in _DIAGNOSES]
    dw[:, codes.index("I50")] *= 1 + 3.0 * cm["cm_chf"]
    dw[:, codes.index("J44")] *= 1 + 3.0 * cm["cm_copd"]
    dw[:, codes.index("I63")] *= 1 + 1.0 * cm["cm_cvd"]
    dw[:, codes.index("S72")] *= np.where(age0 >= 75, 3.0, 0.5)
    dw[:, codes.index("F10")] *= np.where(age0 < 60, 2.0, 0.5) * (1 + 2.0 * cm["cm_liver_mild"])
    dx = _choose(rng, dw)
    dx_code = np.array(codes, dtype=object)[dx]
    is_dx = {c: dx == i for i, c in enumerate(codes)}

    p_elective = np.array([d[3] for d in _DIAGNOSES])[dx]
    elective = rng.random(n) < p_elective
    urgent = ~elective & (rng.random(n) < 0.22)
    emergency = ~elective & ~urgent
    acute = ~elective  # LACE 'A' and HOSPITAL 'IT': emergency or urgent
    adm_type = np.where(elective, "elective", np.where(urgent, "urgent", "emergency"))

    procedure = rng.random(n) < np.array(_SERVICE_PROCEDURE)[service] * np.where(elective, 1.05, 1.0)
    procedure = procedure | (elective & (service >= 3) & (service <= 4))

    # --- length of stay ------------------------------------------------------------
    log_los = (
        np.log(3.25)
        + np.array(_SERVICE_LOS)[service]
        + np.array([d[4] for d in _DIAGNOSES])[dx]
        + 0.07 * dec
        + 0.05 * np.minimum(charlson, 8)
        - 0.25 * elective
        + 0.10 * procedure
        + 0.10 * frailty
        + rng.normal(0.0, 0.58, size=n)
    )
    los = np.clip(np.round(np.exp(log_los)), 0, 60).astype(int)
    day = _fix_overlaps(rng, pidx, day, los, p_day)
    adm_date = START_DATE + day
    dis_date = adm_date + los
    age = np.clip(age0 + (day + los + per("birthday")) // 365, 18, 100).astype(int)  # at discharge
    month = (adm_date.astype("datetime64[M]").astype(int) % 12) + 1
    winter = np.isin(month, (12, 1, 2))

    # --- utilisation before admission ---------------------------------------------
    low_income = (insurance == 1) | (insurance == 3)
    ed_mean = 0.42 * np.exp(
        0.30 * frailty
        + 0.08 * np.minimum(charlson, 8)
        + 0.35 * low_income
        + 0.25 * (age0 < 40)
        + 0.6 * is_dx["F10"]
        + 0.25 * cm["cm_copd"]
        - 0.6 * elective
    )
    ed_visits = np.minimum(_neg_binomial(rng, ed_mean, 0.7), 25)
    prior_in_file = _prior_admissions(pidx, day, los)
    adm_mean = 0.30 * np.exp(
        0.45 * frailty
        + 0.10 * np.minimum(charlson, 8)
        + 0.25 * (ed_visits > 0)
        + 0.5 * cancer_any
        + 0.2 * cm["cm_chf"]
        - 0.3 * elective
    )
    admissions = np.minimum(_neg_binomial(rng, adm_mean, 0.6) + prior_in_file, 20)

    # --- labs at discharge ---------------------------------------------------------
    hb = (
        np.where(female, 12.9, 13.9)
        - 0.015 * (age - 60)
        - 1.2 * cm["cm_renal"]
        - 0.9 * cm["cm_cancer"]
        - 1.3 * cm["cm_metastatic"]
        - 0.4 * cm["cm_chf"]
        - 0.8 * cm["cm_liver_severe"]
        - 0.7 * (procedure & (service >= 3) & (service <= 4))
        - 1.8 * is_dx["K92"]
        - 2.2 * is_dx["D64"]
        - 0.9 * is_dx["D70"]
        - 0.25 * frailty
        + rng.normal(0.0, 1.25, size=n)
    )
    hb = np.round(np.clip(hb, 5.5, 18.5), 1)
    short_elective = elective & (los <= 2)
    hb = np.where(rng.random(n) < 0.035 + 0.30 * short_elective, np.nan, hb)

    na = (
        139.5
        - 2.2 * cm["cm_chf"]
        - 3.0 * cm["cm_liver_severe"]
        - 0.8 * cm["cm_liver_mild"]
        - 1.0 * cm["cm_renal"]
        - 0.04 * np.maximum(age - 70, 0)
        - 8.0 * is_dx["E87"]
        - 1.5 * is_dx["A41"]
        - 1.5 * is_dx["F10"]
        + 3.5 * is_dx["E86"]
        - 0.8 * is_dx["C34"]
        + rng.normal(0.0, 3.0, size=n)
    )
    na = np.clip(np.round(na), 116, 160)
    na_missing = rng.random(n) < 0.07 + 0.40 * short_elective
    sodium = pd.array(np.where(na_missing, 0, na).astype(int), dtype="Int64")
    sodium[na_missing] = pd.NA

    # --- medications and discharge ---------------------------------------------------
    med_mean = np.exp(
        np.log(5.6)
        + 0.09 * np.minimum(charlson, 10)
        + 0.010 * (age - 60)
        + 0.20 * cm["cm_chf"]
        + 0.15 * diabetes_any
        + 0.10 * cm["cm_copd"]
        - 0.25 * elective
    )
    n_meds = np.minimum(_neg_binomial(rng, med_mean, 5.0), 35)
    poly = n_meds >= 10

    ortho = service == 4
    disp_logits = np.column_stack(
        [
            np.zeros(n),
            -1.75 + 0.04 * (age - 65) + 0.12 * charlson + 0.35 * (los >= 7) + 0.3 * cm["cm_chf"],
            -3.4
            + 0.07 * (age - 65)
            + 1.5 * cm["cm_dementia"]
            + 1.0 * cm["cm_hemiplegia"]
            + 0.6 * (los >= 7)
            + 1.2 * is_dx["S72"]
            + 0.15 * charlson,
            -3.4 + 1.7 * ortho + 1.3 * is_dx["I63"] + 0.02 * (age - 65),
            -4.6 - 0.04 * (age - 50) + 0.8 * low_income + 1.6 * is_dx["F10"] + 0.5 * emergency - 3.0 * elective,
        ]
    )
    disp = _choose(rng, np.exp(disp_logits))
    ama, snf = disp == 4, disp == 2

    site_fu = np.log(np.array(_SITE_FOLLOWUP) / (1 - np.array(_SITE_FOLLOWUP)))[hospital]
    fu_logit = (
        site_fu
        + 0.35 * (insurance == 2)
        - 0.5 * (insurance == 3)
        + 0.30 * (service == 1)
        + 0.20 * cm["cm_chf"]
        - 2.5 * ama
        - 0.5 * snf
        + 0.25 * (disp == 1)
    )
    followup = rng.random(n) < _sigmoid(fu_logit)
    site_mr = np.log(np.array(_SITE_MEDREC) / (1 - np.array(_SITE_MEDREC)))[hospital]
    medrec = rng.random(n) < _sigmoid(site_mr + 0.35 * poly - 1.5 * ama + 0.2 * (age >= 75))

    # --- outcome: documented logistic model (see data/README.md) ------------------------
    lace_l = np.select([los < 1, los == 1, los == 2, los == 3, los <= 6, los <= 13], [0, 1, 2, 3, 4, 5], 7)
    lace_c = np.where(charlson >= 4, 5, charlson)
    hb_low = np.nan_to_num(np.maximum(12.0 - hb, 0.0))  # unmeasured -> no effect
    na_f = np.where(na_missing, 139.0, na)
    na_u = np.minimum(0.006 * (na_f - 140.0) ** 2, 0.9) + 0.03 * np.maximum(135.0 - na_f, 0.0)
    age_f = 0.025 * (np.minimum(age, 80) - 55) + 0.03 * np.maximum(30 - age, 0) - 0.03 * np.maximum(age - 85, 0)
    high_risk = (cm["cm_chf"] == 1) | (charlson >= 4)
    eta = (
        _BETA0
        # LACE items
        + 0.09 * lace_l
        + 0.28 * acute
        + 0.10 * emergency
        + 0.10 * lace_c
        + 0.30 * np.log1p(np.minimum(ed_visits, 10))
        # HOSPITAL items
        + 0.20 * hb_low
        + 0.65 * (service == 2)
        + na_u
        + 0.20 * procedure * (service != 3) * (service != 4)
        + 0.55 * np.log1p(np.minimum(admissions, 15))
        + 0.35 * (admissions > 5)
        + 0.18 * (los >= 5)
        # other effects, non-linear and interactions
        + age_f
        + 0.35 * cm["cm_chf"]
        + 0.35 * cm["cm_metastatic"]
        + 0.25 * cm["cm_renal"]
        + np.array([d[5] for d in _DIAGNOSES])[dx]
        - 0.25 * followup
        - 0.60 * followup * high_risk
        + 0.35 * poly
        - 0.05 * medrec
        - 0.55 * medrec * poly
        + 0.95 * ama
        + 0.45 * snf
        + 0.20 * (disp == 1)
        + 0.05 * (disp == 3)
        + 0.45 * cm["cm_dementia"] * (disp == 0)
        + np.array(_SITE_EFFECT)[hospital]
        + 0.25 * (insurance == 1)
        + 0.10 * (insurance == 3)
        + 0.10 * winter
        # unobserved patient frailty plus encounter-level noise
        + 0.50 * frailty
        + rng.normal(0.0, 0.30, size=n)
    )
    readmitted = rng.random(n) < _sigmoid(eta)

    # --- post-stay administrative fields --------------------------------------------------
    cost = np.exp(
        np.log(np.array(_SERVICE_COST)[service] * np.array(_SITE_COST)[hospital])
        + 0.75 * np.log((los + 1) / 4.0)
        + 0.35 * procedure
        + 0.02 * charlson
        + rng.normal(0.0, 0.30, size=n)
    )
    # Survey returned weeks after discharge: it is (mildly) shaped by the readmission itself.
    sat = (
        7.4
        - 0.06 * np.minimum(los, 20)
        + 0.5 * followup
        - 2.0 * ama
        - 0.3 * snf
        + 0.3 * elective
        - 0.25 * readmitted
        + rng.normal(0.0, 1.6, size=n)
    )
    satisfaction = np.clip(np.round(sat), 1, 10).astype(int)

    df = pd.DataFrame(
        {
            "patient_id": np.array([f"P{i:0{width}d}" for i in pat_ids], dtype=object)[pidx],
            "hospital": np.array(HOSPITALS, dtype=object)[hospital],
            "service": np.array(SERVICES, dtype=object)[service],
            "admission_date": np.datetime_as_string(adm_date, unit="D"),
            "discharge_date": np.datetime_as_string(dis_date, unit="D"),
            "length_of_stay_days": los,
            "age": age,
            "sex": np.where(female, "female", "male"),
            "insurance": np.array(INSURANCES, dtype=object)[insurance],
            "admission_type": adm_type,
            "primary_diagnosis": dx_code,
            **cm,
            "charlson_index": charlson,
            "ed_visits_6m": ed_visits.astype(int),
            "admissions_12m": admissions.astype(int),
            "procedure_during_stay": procedure.astype(int),
            "hemoglobin_g_dl": hb,
            "sodium_mmol_l": sodium,
            "n_medications": n_meds.astype(int),
            "discharge_disposition": np.array(DISPOSITIONS, dtype=object)[disp],
            "followup_within_7d": followup.astype(int),
            "med_reconciliation": medrec.astype(int),
            "total_cost": np.round(cost, 2),
            "satisfaction_score": satisfaction,
            OUTCOME: readmitted.astype(int),
        }
    )
    # Encounter numbers follow admission order, as a hospital's would.
    order = np.lexsort((rng.random(n), day))
    df = df.iloc[order].reset_index(drop=True)
    df.insert(0, "encounter_id", [f"E{i:07d}" for i in range(1, n + 1)])
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


def main(argv: list[str] | None = None) -> int:
    """CLI: ``python -m core.synth --rows N --seed S --out FILE.csv [--unlabelled]``."""
    parser = argparse.ArgumentParser(
        prog="python -m core.synth", description="Write a synthetic 30-day readmission cohort as CSV."
    )
    parser.add_argument("--rows", type=int, required=True, help="number of encounters")
    parser.add_argument("--seed", type=int, required=True, help="random seed (same seed -> same bytes)")
    parser.add_argument("--out", type=Path, required=True, help="output CSV path")
    parser.add_argument("--unlabelled", action="store_true", help="omit the readmitted_30d outcome")
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be >= 1")
    df = generate(args.rows, args.seed, labelled=not args.unlabelled)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(df, args.out)
    prevalence = f"prevalence {df[OUTCOME].mean():.1%}" if OUTCOME in df else "unlabelled"
    print(f"wrote {len(df)} rows to {args.out} ({df['patient_id'].nunique()} patients, {prevalence})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
