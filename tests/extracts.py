"""Stand-ins for real hospital extracts the project has never trained on.

``diabetes_like`` mimics the layout of the public "Diabetes 130-US hospitals" extract:
its own column names, '?' and 'None' markers, age as '[70-80)' bands, ICD-9 codes with
hundreds of levels (some 'V'/'E' codes), integer code columns, medication change
columns, repeated patients and a three-level outcome ('<30', '>30', 'NO').
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def diabetes_like(rows: int = 5000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_patients = int(rows * 0.7)
    patient = rng.integers(0, n_patients, rows)
    age_idx = np.clip(rng.normal(6.5, 1.6, rows).round(), 0, 9).astype(int)
    ages = np.array([f"[{10 * i}-{10 * (i + 1)})" for i in range(10)])[age_idx]
    inpatient = rng.poisson(0.6, rows)
    emergency = rng.poisson(0.2, rows)
    time_in_hospital = np.clip(rng.gamma(2.0, 2.2, rows).round(), 1, 14).astype(int)
    n_diag = rng.integers(3, 17, rows)
    diag_pool = np.array([f"{c}" for c in rng.integers(1, 999, 650)] + [f"{c}.{d}" for c, d in
                         zip(rng.integers(250, 260, 40), rng.integers(1, 99, 40), strict=True)]
                         + [f"V{c}" for c in rng.integers(10, 90, 15)] + [f"E{c}" for c in rng.integers(800, 999, 10)])
    weights = rng.pareto(1.2, len(diag_pool)) + 0.01
    weights /= weights.sum()
    diag = rng.choice(diag_pool, (rows, 3), p=weights)
    insulin = rng.choice(["No", "Steady", "Up", "Down"], rows, p=[0.45, 0.3, 0.13, 0.12])
    a1c = rng.choice(["None", ">8", "Norm", ">7"], rows, p=[0.82, 0.08, 0.05, 0.05])
    logit = (-2.6 + 0.6 * inpatient + 0.4 * emergency + 0.06 * time_in_hospital + 0.1 * (age_idx - 6)
             + 0.35 * (insulin != "No") + 0.05 * (n_diag - 8) + rng.normal(0, 0.4, rows))
    y = rng.random(rows) < 1 / (1 + np.exp(-logit))
    other = rng.random(rows) < 0.35
    frame = pd.DataFrame({
        "encounter_id": rng.permutation(np.arange(10_000_000, 10_000_000 + rows * 7, 7)).astype(str),
        "patient_nbr": (patient * 13 + 100_000).astype(str),
        "race": rng.choice(["Caucasian", "AfricanAmerican", "?", "Hispanic", "Other", "Asian"], rows,
                           p=[0.74, 0.18, 0.02, 0.02, 0.02, 0.02]),
        "gender": rng.choice(["Female", "Male", "Unknown/Invalid"], rows, p=[0.535, 0.464, 0.001]),
        "age": ages,
        "weight": np.where(rng.random(rows) < 0.97, "?", "[75-100)"),
        "admission_type_id": rng.choice(["1", "2", "3", "5", "6", "8"], rows),
        "discharge_disposition_id": rng.choice([str(i) for i in range(1, 26)], rows),
        "admission_source_id": rng.choice(["1", "7", "4", "6", "2", "17"], rows),
        "time_in_hospital": time_in_hospital.astype(str),
        "payer_code": rng.choice(["?", "MC", "HM", "SP", "BC", "MD"], rows, p=[0.4, 0.32, 0.07, 0.07, 0.07, 0.07]),
        "medical_specialty": rng.choice(["?", "InternalMedicine", "Emergency/Trauma", "Family/GeneralPractice",
                                         "Cardiology", "Surgery-General", "Nephrology", "Orthopedics"], rows),
        "num_lab_procedures": rng.integers(1, 110, rows).astype(str),
        "num_procedures": rng.integers(0, 7, rows).astype(str),
        "num_medications": rng.integers(1, 60, rows).astype(str),
        "number_outpatient": rng.poisson(0.4, rows).astype(str),
        "number_emergency": emergency.astype(str),
        "number_inpatient": inpatient.astype(str),
        "diag_1": diag[:, 0], "diag_2": diag[:, 1], "diag_3": diag[:, 2],
        "number_diagnoses": n_diag.astype(str),
        "max_glu_serum": rng.choice(["None", ">200", ">300", "Norm"], rows, p=[0.94, 0.02, 0.02, 0.02]),
        "A1Cresult": a1c,
        "metformin": rng.choice(["No", "Steady", "Up", "Down"], rows, p=[0.8, 0.18, 0.01, 0.01]),
        "insulin": insulin,
        "examide": ["No"] * rows,
        "change": rng.choice(["No", "Ch"], rows),
        "diabetesMed": rng.choice(["Yes", "No"], rows, p=[0.77, 0.23]),
        "readmitted": np.where(y, "<30", np.where(other, ">30", "NO")),
    })
    return frame
