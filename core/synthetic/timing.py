"""When stays happen and how long they last: admission days, length of stay, gaps between stays.

Admissions follow a winter peak and quieter weekends; a patient's stays in the file are more
than 30 days apart, because readmission stays are not rows (it is a file of index discharges).
"""

from __future__ import annotations

import itertools

import numpy as np

from core.synthetic.draws import Encounters
from core.synthetic.tables import DIAGNOSES, N_DAYS, SERVICE_LOS, START_DATE

# Readmission stays themselves are not rows of the file (it is a file of index
# discharges), so a patient's next stay in the file starts > 30 days after discharge.
_MIN_GAP = 30


def day_weights() -> np.ndarray:
    """Daily admission volume: winter peak (~+20% in mid-January) and quieter weekends."""
    days = np.arange(N_DAYS)
    dates = START_DATE + days
    doy = (dates - dates.astype("datetime64[Y]")).astype(int)
    weekday = (dates.astype(int) + 3) % 7  # 0 = Monday
    w = 1.0 + 0.20 * np.cos(2 * np.pi * (doy - 20) / 365.25)
    w = w * np.where(weekday >= 5, 0.75, 1.0)
    return w / w.sum()


def draw_admission_day(rng: np.random.Generator, n: int) -> np.ndarray:
    """Admission day of each encounter (days since ``START_DATE``), before overlaps are resolved."""
    return rng.choice(N_DAYS, size=n, p=day_weights())


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


def prior_admissions(pid: np.ndarray, day: np.ndarray, los: np.ndarray) -> np.ndarray:
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


def draw_stay(rng: np.random.Generator, enc: Encounters) -> Encounters:
    """Length of stay (right-skewed lognormal), the final admission day, dates, age at discharge, season."""
    n = len(enc["day"])
    log_los = (
        np.log(3.25)
        + np.array(SERVICE_LOS)[enc["service"]]
        + np.array([d[4] for d in DIAGNOSES])[enc["dx"]]
        + 0.07 * enc["dec"]
        + 0.05 * np.minimum(enc["charlson"], 8)
        - 0.25 * enc["elective"]
        + 0.10 * enc["procedure"]
        + 0.10 * enc["frailty"]
        + rng.normal(0.0, 0.58, size=n)
    )
    los = np.clip(np.round(np.exp(log_los)), 0, 60).astype(int)
    day = _fix_overlaps(rng, enc["pidx"], enc["day"], los, day_weights())
    adm_date = START_DATE + day
    month = (adm_date.astype("datetime64[M]").astype(int) % 12) + 1
    return {
        "los": los,
        "day": day,
        "adm_date": adm_date,
        "dis_date": adm_date + los,
        "age": np.clip(enc["age0"] + (day + los + enc["birthday"]) // 365, 18, 100).astype(int),  # at discharge
        "winter": np.isin(month, (12, 1, 2)),
    }
