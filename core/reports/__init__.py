"""Documents people file: the printable patient summary, the cohort report and the model card."""
