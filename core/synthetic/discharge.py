"""How the stay ends: discharge destination, and the two modifiable care processes.

Follow-up within 7 days and pharmacist medication reconciliation are protective by
construction in the outcome model, and confounded by design: who gets them depends on the
site, the payer, the service and the destination (data/README.md, "Caveats").
"""

from __future__ import annotations

import numpy as np

from core.synthetic.draws import Encounters, choose, has_diagnosis, sigmoid
from core.synthetic.tables import SITE_FOLLOWUP, SITE_MEDREC


def _disposition(rng: np.random.Generator, enc: Encounters) -> np.ndarray:
    """Destination index into ``DISPOSITIONS`` from a multinomial logit (home is the reference)."""
    age, los, charlson = enc["age"], enc["los"], enc["charlson"]
    disp_logits = np.column_stack(
        [
            np.zeros(len(age)),
            -1.75 + 0.04 * (age - 65) + 0.12 * charlson + 0.35 * (los >= 7) + 0.3 * enc["cm_chf"],
            -3.4
            + 0.07 * (age - 65)
            + 1.5 * enc["cm_dementia"]
            + 1.0 * enc["cm_hemiplegia"]
            + 0.6 * (los >= 7)
            + 1.2 * has_diagnosis(enc, "S72")
            + 0.15 * charlson,
            -3.4 + 1.7 * (enc["service"] == 4) + 1.3 * has_diagnosis(enc, "I63") + 0.02 * (age - 65),
            -4.6
            - 0.04 * (age - 50)
            + 0.8 * enc["low_income"]
            + 1.6 * has_diagnosis(enc, "F10")
            + 0.5 * enc["emergency"]
            - 3.0 * enc["elective"],
        ]
    )
    return choose(rng, np.exp(disp_logits))


def draw_discharge(rng: np.random.Generator, enc: Encounters) -> Encounters:
    """Disposition, then follow-up booked within 7 days and medication reconciliation."""
    n = len(enc["age"])
    hospital, insurance = enc["hospital"], enc["insurance"]
    disp = _disposition(rng, enc)
    ama, snf = disp == 4, disp == 2
    site_fu = np.log(np.array(SITE_FOLLOWUP) / (1 - np.array(SITE_FOLLOWUP)))[hospital]
    fu_logit = (
        site_fu
        + 0.35 * (insurance == 2)
        - 0.5 * (insurance == 3)
        + 0.30 * (enc["service"] == 1)
        + 0.20 * enc["cm_chf"]
        - 2.5 * ama
        - 0.5 * snf
        + 0.25 * (disp == 1)
    )
    followup = rng.random(n) < sigmoid(fu_logit)
    site_mr = np.log(np.array(SITE_MEDREC) / (1 - np.array(SITE_MEDREC)))[hospital]
    medrec = rng.random(n) < sigmoid(site_mr + 0.35 * enc["poly"] - 1.5 * ama + 0.2 * (enc["age"] >= 75))
    return {"disp": disp, "ama": ama, "snf": snf, "followup": followup, "medrec": medrec}
