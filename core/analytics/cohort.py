"""Summaries of a scored cohort for a quality team: one import for the cohort page.

The page calls these with an upload's analysis table (``core.scoring.upload.score_upload``
builds it) and draws what they return. Each job has its own module:

- ``cohort_tables``: the analysis table, built once per upload from the engine's arrays;
- ``worklist``: filters and the ranked, searchable worklist;
- ``summaries``: risk distribution, band counts, breakdowns by group, months;
- ``capacity``: weekly follow-up capacity -> threshold, PPV, sensitivity;
- ``performance``: monthly AUC and O/E (monitoring), LACE and HOSPITAL comparators.

Every function is pure and aggregates, so charts stay small and fast on a 100,000-row upload.
"""

from __future__ import annotations

from core.analytics.capacity import capacity, capacity_curve, weeks_spanned
from core.analytics.cohort_tables import (
    NOT_RECORDED,
    CohortTables,
    build_tables,
    numeric_context_columns,
    outcome_vector,
    parse_dates,
)
from core.analytics.performance import comparator_risks, monthly_performance
from core.analytics.summaries import GROUP_ROLES, available_groupings, band_counts, breakdown, histogram, monthly
from core.analytics.worklist import Filters, filter_mask, filter_options, worklist

__all__ = (
    "GROUP_ROLES", "NOT_RECORDED", "CohortTables", "Filters", "available_groupings", "band_counts", "breakdown",
    "build_tables", "capacity", "capacity_curve", "comparator_risks", "filter_mask", "filter_options", "histogram",
    "monthly", "monthly_performance", "numeric_context_columns", "outcome_vector", "parse_dates", "weeks_spanned",
    "worklist",
)
