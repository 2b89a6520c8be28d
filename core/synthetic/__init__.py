"""The synthetic demo cohort: a seeded generator of encounters with realistic clinical structure."""
