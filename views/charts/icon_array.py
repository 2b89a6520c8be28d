"""A grouped 100-icon array: pure, a risk in, Altair chart out.

Icons of the same kind are kept together (filled first, row by row), because scattered
arrays make a risk look larger than it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from core.presentation import palette
from core.presentation.wording import whole_count

if TYPE_CHECKING:
    import altair as alt

#: A person in Vega's unit square (-1..1): a round head over a body.
PERSON = (
    "M -0.32 -0.66 A 0.32 0.32 0 1 1 0.32 -0.66 A 0.32 0.32 0 1 1 -0.32 -0.66 Z "
    "M -0.55 -0.22 L 0.55 -0.22 L 0.55 0.42 L 0.32 0.42 L 0.32 1 L -0.32 1 L -0.32 0.42 L -0.55 0.42 Z"
)
EVENT_COLOUR = palette.EVENT
OTHER_COLOUR = palette.NON_EVENT


def icon_counts(risk: float, total: int = 100) -> int:
    """How many of ``total`` icons to fill for a risk (0-1): the "N of 100" of the sentence beside it."""
    return whole_count(risk, total)


def icon_array_chart(
    risk: float,
    event: str = "readmitted",
    other: str = "not readmitted",
    per_row: int = 10,
    total: int = 100,
    size: int = 150,
    cell: int = 17,
) -> alt.Chart:
    """``total`` person icons, the first ``round(risk * total)`` filled, grouped from the top-left."""
    import altair as alt  # on first use: the patient page sends its title and risk before altair loads

    k = icon_counts(risk, total)
    event_label, other_label = f"{k} {event}", f"{total - k} {other}"
    data = pd.DataFrame({
        "i": range(total),
        "col": [i % per_row for i in range(total)],
        "row": [i // per_row for i in range(total)],
        "kind": [event_label if i < k else other_label for i in range(total)],
    })
    rows = (total + per_row - 1) // per_row
    return (
        alt.Chart(data)
        .mark_point(shape=PERSON, filled=True, size=size, strokeWidth=0, opacity=1)
        .encode(
            x=alt.X("col:O", axis=None),
            y=alt.Y("row:O", axis=None),
            color=alt.Color("kind:N", title=None, scale=alt.Scale(domain=[event_label, other_label],
                                                                  range=[EVENT_COLOUR, OTHER_COLOUR]),
                            legend=alt.Legend(orient="bottom", direction="vertical", symbolType="circle",
                                              labelFontSize=12, labelLimit=240)),
            tooltip=alt.Tooltip("kind:N", title="Of 100 patients like this"),
        )
        .properties(width=per_row * cell, height=rows * (cell + 2),
                    autosize=alt.AutoSizeParams(type="pad", contains="padding"))
        .configure_view(stroke=None)
    )
