"""Observed outcomes read with the same care as inputs: a cell is an event, not an event, blank or unreadable.

Performance and monitoring are only as right as the labels. A ``2``, ``maybe`` or ``-1``
in an outcome column is neither "readmitted" nor "not readmitted", so it is never read as
0: the row's outcome is *unreadable*, counted, shown (with the first few distinct values,
never the rows) and left out. A blank cell (or a missing marker) is unlabelled.
Each distinct cell is judged once and spread to the rows with the factorisation codes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.data.columns import short_text
from core.data.parse import expand_codes, factorize_text
from core.data.schema import FALSE_WORDS, TRUE_WORDS

#: Outcome words beyond the yes/no words every binary input accepts (case and spaces ignored).
EVENT_WORDS: frozenset[str] = TRUE_WORDS | {"readmitted"}
NO_EVENT_WORDS: frozenset[str] = FALSE_WORDS | {"not readmitted"}
SHOWN_VALUES = 5


@dataclass(frozen=True)
class Outcomes:
    """Per row: 1.0 event, 0.0 no event, NaN blank or unreadable; ``unreadable`` tells the last two apart."""

    values: np.ndarray
    unreadable: np.ndarray
    unreadable_values: tuple[str, ...]  # the first few distinct unreadable cells, for the notice

    @property
    def n_unreadable(self) -> int:
        return int(self.unreadable.sum())

    def notice(self, column: str) -> str:
        """One sentence for the person who uploaded the file, or '' when every outcome was read."""
        n = self.n_unreadable
        if not n:
            return ""
        shown = ", ".join(f"'{v}'" for v in self.unreadable_values)
        rows = "row's outcome" if n == 1 else "rows' outcomes"
        return (f"{n:,} {rows} in '{column}' could not be read ({shown}) and are left out of performance "
                "and monitoring; use yes/no, 1/0 or true/false.")


def _word(text: str) -> str:
    return " ".join(text.lower().split())


def outcome_words(positive: str | None) -> tuple[frozenset[str], frozenset[str]]:
    """(event words, no-event words) for the schema's positive label.

    A positive label that is itself a yes-word (``1``, ``yes``) takes every yes/no
    spelling; another label (``<30``) is the only event word, and the no-words still read 0.
    """
    pos = _word(str(positive)) if positive is not None else "1"
    if pos in EVENT_WORDS:
        return EVENT_WORDS, NO_EVENT_WORDS
    if pos in NO_EVENT_WORDS:  # a schema whose event is spelled "0" or "no": the words swap
        return NO_EVENT_WORDS, EVENT_WORDS
    return frozenset({pos}), NO_EVENT_WORDS


def read_outcomes(cells: pd.Series, positive: str | None) -> Outcomes:
    """The outcome column as ``Outcomes`` (see the module docstring)."""
    codes, texts = factorize_text(cells)
    events, no_events = outcome_words(positive)
    values_u = np.full(len(texts), np.nan)
    bad_u = np.zeros(len(texts), dtype=bool)
    for i, text in enumerate(texts):
        if text is None:
            continue
        word = _word(text)
        if word in events:
            values_u[i] = 1.0
        elif word in no_events:
            values_u[i] = 0.0
        else:
            bad_u[i] = True
    codes = np.asarray(codes)
    unreadable = expand_codes(codes, bad_u, False)
    seen = np.unique(codes[unreadable]) if unreadable.any() else np.array([], dtype=int)
    shown = tuple(short_text(texts[u]) for u in seen[:SHOWN_VALUES])  # codes number values by first appearance
    return Outcomes(expand_codes(codes, values_u, np.nan), unreadable, shown)
