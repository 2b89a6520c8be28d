"""The synthetic cohort's parameters as data: columns, sites, services, diagnoses, categories.

Every number here is documented in ``data/README.md`` (which names this file). They are kept
apart from the drawing code so that a reader can check a figure without reading numpy, and so
that changing a rate never changes the order of the random draws.
"""

from __future__ import annotations

import numpy as np

from core.clinical.charlson import COMORBIDITIES

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
SERVICE_BASE = (0.30, 0.15, 0.012, 0.15, 0.10, 0.11, 0.08)
HOSPITALS: tuple[str, ...] = (
    "Northgate General",
    "Riverside",
    "St Columba's",
    "Eastfield Community",
    "Hillcrest",
)
SITE_SHARE = (0.34, 0.26, 0.18, 0.13, 0.09)
SITE_EFFECT = (0.0, 0.13, -0.20, 0.29, 0.07)
SITE_FOLLOWUP = (0.55, 0.45, 0.52, 0.30, 0.40)
SITE_MEDREC = (0.70, 0.55, 0.65, 0.38, 0.50)
SITE_COST = (1.12, 1.0, 1.05, 0.88, 0.92)
SITE_CASEMIX = (
    (0.9, 1.2, 1.5, 1.0, 0.8, 0.9, 1.4),
    (1.1, 1.0, 0.9, 1.0, 0.9, 1.0, 0.9),
    (0.6, 0.8, 0.6, 1.6, 2.2, 0.7, 0.6),
    (1.5, 0.8, 0.4, 0.7, 0.7, 1.4, 0.7),
    (1.2, 0.9, 0.5, 1.0, 1.0, 1.1, 0.8),
)
SERVICE_COST = (8500.0, 13000.0, 14500.0, 17500.0, 20000.0, 9500.0, 11500.0)
SERVICE_LOS = (0.0, -0.10, 0.20, 0.0, 0.05, 0.10, 0.10)
SERVICE_PROCEDURE = (0.18, 0.45, 0.30, 0.92, 0.90, 0.20, 0.25)

# Primary diagnosis (ICD-10 category): code, service index, relative frequency
# within the service, P(elective), log-LOS shift, logit readmission shift.
DIAGNOSES: tuple[tuple[str, int, float, float, float, float], ...] = (
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
BETA0 = -3.9

#: Diagnosis codes in the order of ``DIAGNOSES`` (a draw's index -> its code).
DIAGNOSIS_CODES: tuple[str, ...] = tuple(d[0] for d in DIAGNOSES)
