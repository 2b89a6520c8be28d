"""Policy numbers: the thresholds and counts that decide what Lantern reports, each in one place.

The screen, the downloads, the model card and the service read these names, so they cannot
disagree. Changing one here changes it everywhere; the tests pin the values that matter.
"""

from __future__ import annotations

#: Outcome horizon of the default model, in days after discharge.
OUTCOME_HORIZON_DAYS = 30

#: Reliability floor: a rate, AUC or O/E is shown only for a group with at least this many
#: labelled patients and at least this many events (and non-events); below it, a note instead.
RELIABILITY_MIN_PATIENTS = 30
RELIABILITY_MIN_EVENTS = 5

#: Stratified bootstrap resamples behind an AUC interval, by cohort size. The same file gives the
#: same interval on screen and in the report because both call ``bootstrap_resamples``.
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_RESAMPLES_LARGE = 200
LARGE_COHORT_ROWS = 20_000
#: Resamples for each subgroup's interval (many groups, each small), and on a large file.
SUBGROUP_BOOTSTRAP_RESAMPLES = 200
SUBGROUP_BOOTSTRAP_RESAMPLES_LARGE = 100
#: Seed of every bootstrap on an upload, so a page reload or a download repeats the interval exactly.
BOOTSTRAP_SEED = 0

#: Follow-up capacity: the first value offered is this share of a week's discharges (at least one
#: patient), and the input goes up to this many times a week's discharges (at least the floor).
CAPACITY_DEFAULT_SHARE = 0.10
CAPACITY_MAX_WEEKS_VOLUME = 2
CAPACITY_MIN_CEILING = 10

#: Flag threshold offered on the cohort page when the bundle names none, and the slider's range.
DEFAULT_DECISION_THRESHOLD = 0.20
THRESHOLD_SLIDER_MIN = 0.01
THRESHOLD_SLIDER_MAX = 0.90

#: Rows of the worklist on screen, and in the downloadable HTML report.
WORKLIST_ROWS = 2000
REPORT_WORKLIST_ROWS = 50

#: Model card: net benefit is tabulated at these thresholds (plus the bundle's own).
DECISION_POINTS = (0.05, 0.10, 0.15, 0.20, 0.30)
#: TRIPOD / Riley et al.: at least about 100 events in the test set for a precise validation.
MIN_TEST_EVENTS = 100
#: A held-out AUC above this, for readmission, usually means leakage.
LEAKAGE_AUC = 0.85
#: Calibration slope outside this range is warned about (too extreme below, too modest above).
CALIBRATION_SLOPE_RANGE = (0.8, 1.2)
#: A subgroup whose observed/expected ratio is outside this range is called weaker.
OBSERVED_EXPECTED_RANGE = (0.8, 1.25)


def bootstrap_resamples(n_rows: int) -> int:
    """Resamples for an AUC interval on ``n_rows`` patients: fewer on large files, where the interval is narrow."""
    return BOOTSTRAP_RESAMPLES if n_rows <= LARGE_COHORT_ROWS else BOOTSTRAP_RESAMPLES_LARGE


def subgroup_bootstrap_resamples(n_rows: int) -> int:
    """Resamples for each subgroup's AUC interval on a file of ``n_rows`` labelled patients."""
    return SUBGROUP_BOOTSTRAP_RESAMPLES if n_rows <= LARGE_COHORT_ROWS else SUBGROUP_BOOTSTRAP_RESAMPLES_LARGE

