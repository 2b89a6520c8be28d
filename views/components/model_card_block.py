"""The model card on screen: the same sections as the download, one expandable block each."""

from __future__ import annotations

import streamlit as st

from core.reports.model_card import Section, section_markdown

#: Sections a reviewer needs first; the rest start collapsed.
OPEN = ("Summary", "Intended use", "Limitations and warnings")


def render(sections: list[Section]) -> None:
    """Show each card section (built by core.reports.model_card from the bundle's files) in an expander."""
    st.caption("Generated from the bundle's manifest, performance and schema files (TRIPOD+AI 2024, Model Facts "
               "label). The downloads above hold exactly this text.")
    for i, section in enumerate(sections, 1):
        with st.expander(f"{i}. {section.title}", expanded=section.title in OPEN):
            st.markdown(section_markdown(section))
