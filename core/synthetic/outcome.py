"""The outcome and what is only known after discharge: readmission, cost, satisfaction.

``readmitted_30d`` is drawn from the documented logistic model (data/README.md, "Outcome
model"): LACE and HOSPITAL items, non-linear terms, interactions, and two unobserved terms
(patient frailty and encounter noise) that keep any model's AUC in the published range.
"""

from __future__ import annotations

import numpy as np

from core.synthetic.draws import Encounters, sigmoid
from core.synthetic.tables import BETA0, DIAGNOSES, SERVICE_COST, SITE_COST, SITE_EFFECT


def _shaped_terms(enc: Encounters) -> Encounters:
    """The outcome model's banded and bent inputs: LACE points, low hemoglobin, U-shaped sodium, age."""
    los, charlson, age = enc["los"], enc["charlson"], enc["age"]
    na_f = np.where(enc["na_missing"], 139.0, enc["na"])
    return {
        "lace_l": np.select([los < 1, los == 1, los == 2, los == 3, los <= 6, los <= 13], [0, 1, 2, 3, 4, 5], 7),
        "lace_c": np.where(charlson >= 4, 5, charlson),
        "hb_low": np.nan_to_num(np.maximum(12.0 - enc["hb"], 0.0)),  # unmeasured -> no effect
        "na_u": np.minimum(0.006 * (na_f - 140.0) ** 2, 0.9) + 0.03 * np.maximum(135.0 - na_f, 0.0),
        "age_f": 0.025 * (np.minimum(age, 80) - 55) + 0.03 * np.maximum(30 - age, 0)
        - 0.03 * np.maximum(age - 85, 0),
        "high_risk": (enc["cm_chf"] == 1) | (charlson >= 4),
    }


def draw_readmission(rng: np.random.Generator, e: Encounters) -> np.ndarray:
    """30-day readmission (bool) from the logistic model, terms in the order data/README.md lists them."""
    t = _shaped_terms(e)
    service, disp, followup, medrec, poly = e["service"], e["disp"], e["followup"], e["medrec"], e["poly"]
    eta = (
        BETA0
        # LACE items
        + 0.09 * t["lace_l"]
        + 0.28 * e["acute"]
        + 0.10 * e["emergency"]
        + 0.10 * t["lace_c"]
        + 0.30 * np.log1p(np.minimum(e["ed_visits"], 10))
        # HOSPITAL items
        + 0.20 * t["hb_low"]
        + 0.65 * (service == 2)
        + t["na_u"]
        + 0.20 * e["procedure"] * (service != 3) * (service != 4)
        + 0.55 * np.log1p(np.minimum(e["admissions"], 15))
        + 0.35 * (e["admissions"] > 5)
        + 0.18 * (e["los"] >= 5)
        # other effects, non-linear and interactions
        + t["age_f"]
        + 0.35 * e["cm_chf"]
        + 0.35 * e["cm_metastatic"]
        + 0.25 * e["cm_renal"]
        + np.array([d[5] for d in DIAGNOSES])[e["dx"]]
        - 0.25 * followup
        - 0.60 * followup * t["high_risk"]
        + 0.35 * poly
        - 0.05 * medrec
        - 0.55 * medrec * poly
        + 0.95 * e["ama"]
        + 0.45 * e["snf"]
        + 0.20 * (disp == 1)
        + 0.05 * (disp == 3)
        + 0.45 * e["cm_dementia"] * (disp == 0)
        + np.array(SITE_EFFECT)[e["hospital"]]
        + 0.25 * (e["insurance"] == 1)
        + 0.10 * (e["insurance"] == 3)
        + 0.10 * e["winter"]
        # unobserved patient frailty plus encounter-level noise
        + 0.50 * e["frailty"]
        + rng.normal(0.0, 0.30, size=len(service))
    )
    return rng.random(len(service)) < sigmoid(eta)


def draw_after_discharge(rng: np.random.Generator, enc: Encounters) -> Encounters:
    """Cost of the stay and the satisfaction survey, which comes back after (and is shaped by) readmission."""
    n, los = len(enc["los"]), enc["los"]
    cost = np.exp(
        np.log(np.array(SERVICE_COST)[enc["service"]] * np.array(SITE_COST)[enc["hospital"]])
        + 0.75 * np.log((los + 1) / 4.0)
        + 0.35 * enc["procedure"]
        + 0.02 * enc["charlson"]
        + rng.normal(0.0, 0.30, size=n)
    )
    sat = (
        7.4
        - 0.06 * np.minimum(los, 20)
        + 0.5 * enc["followup"]
        - 2.0 * enc["ama"]
        - 0.3 * enc["snf"]
        + 0.3 * enc["elective"]
        - 0.25 * enc["readmitted"]
        + rng.normal(0.0, 1.6, size=n)
    )
    return {"cost": cost, "satisfaction": np.clip(np.round(sat), 1, 10).astype(int)}
