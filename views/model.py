"""Model page: the model card, global explanations and held-out performance, all read from the bundle."""

from __future__ import annotations

import streamlit as st

from core.model.bundle import PERFORMANCE_FILE, Bundle
from core.reports.model_card import model_card_html, model_card_markdown, model_card_sections
from views.components import model_card_block, model_explanations, model_header, model_performance
from views.shared import get_engine, intended_use_line, run_guarded


@st.cache_data(show_spinner=False, max_entries=8)
def _card_texts(key: tuple[str, str, str], _bundle: Bundle) -> tuple[str, str]:
    """(Markdown, HTML) of the card; keyed by bundle path, version and the performance file's sha256."""
    return model_card_markdown(_bundle), model_card_html(_bundle)


def _page() -> None:
    bundle = get_engine().bundle
    st.title("Model card")
    intended_use_line()
    key = (str(bundle.path), bundle.version, bundle.manifest.files.sha256[PERFORMANCE_FILE])
    card_md, card_html = _card_texts(key, bundle)
    model_header.render(bundle, card_md, card_html)
    card, explanations, performance = st.tabs(["Model card", "Global explanations", "Held-out performance"])
    with card:
        model_card_block.render(model_card_sections(bundle))
    with explanations:
        model_explanations.render(bundle)
    with performance:
        model_performance.render(bundle)


run_guarded(_page)
