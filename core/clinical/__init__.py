"""Clinical scores and rules: LACE, HOSPITAL, risk bands and age bands."""
