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
#: Resamples for each subgroup's interval (many groups, each small).
SUBGROUP_BOOTSTRAP_RESAMPLES = 200


def bootstrap_resamples(n_rows: int) -> int:
    """Resamples for an AUC interval on ``n_rows`` patients: fewer on large files, where the interval is narrow."""
    return BOOTSTRAP_RESAMPLES if n_rows <= LARGE_COHORT_ROWS else BOOTSTRAP_RESAMPLES_LARGE
