"""Numbers about a cohort: discrimination, calibration and decision metrics, drift, cohort summaries."""
