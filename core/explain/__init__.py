"""Why a patient's risk is what it is: exact additive explanations (fast TreeSHAP), reasons and what-if."""
