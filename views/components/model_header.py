"""Model page header: what the model is, its headline held-out numbers, warnings and the card downloads."""

from __future__ import annotations

import re

import streamlit as st

from core.model.bundle import Bundle
from core.reports.model_card import automatic_warnings, horizon_text, md_escape


def _file_stem(bundle: Bundle) -> str:
    return "lantern-model-card-" + re.sub(r"[^A-Za-z0-9.]+", "-", bundle.version).strip("-")


def render(bundle: Bundle, card_markdown: str, card_html: str) -> None:
    """Headline facts as metrics (all read from the manifest), warnings, and HTML/Markdown downloads."""
    m = bundle.metrics
    outcome = bundle.manifest.target.label or bundle.schema.target_label or "the outcome"
    created = md_escape(bundle.manifest.created)
    st.markdown(f"**{md_escape(bundle.name)}** · version {md_escape(bundle.version)} · trained {created}")
    st.markdown(f"Predicts **{md_escape(outcome)}** (horizon: {horizon_text(bundle.manifest.target)}) from "
                f"{len(bundle.schema.features)} inputs recorded at discharge.")
    lo, hi = m.auc_ci
    cols = st.columns(5)
    cols[0].metric("AUC (held-out)", f"{m.auc:.3f}", help=f"95% CI {lo:.3f}-{hi:.3f}; 0.5 is chance.",
                   border=True)
    cols[1].metric("Calibration slope", f"{m.calibration_slope:.2f}", help="Ideal 1. Below 1: predictions too "
                   "extreme; above 1: too modest.", border=True)
    cols[2].metric("Observed / expected", f"{m.observed_expected:.2f}", help="Observed events divided by the "
                   "sum of predicted risks. Ideal 1.", border=True)
    cols[3].metric("Brier score", f"{m.brier:.3f}", help=f"Lower is better; scaled Brier "
                   f"{m.scaled_brier:.3f}.", border=True)
    cols[4].metric("Held-out discharges", f"{m.n_test:,}", help=f"{m.events_test:,} events; never "
                   "used to train or tune the model.", border=True)
    warnings = [*bundle.manifest.warnings, *automatic_warnings(bundle)]
    for w in warnings:
        st.warning(md_escape(w), icon="⚠️")
    stem = _file_stem(bundle)
    row = st.container(horizontal=True)
    row.download_button("Download model card (HTML)", card_html, file_name=f"{stem}.html", mime="text/html",
                        key="model_download_html", on_click="ignore", icon=":material/download:")
    row.download_button("Download model card (Markdown)", card_markdown, file_name=f"{stem}.md",
                        mime="text/markdown", key="model_download_md", on_click="ignore", icon=":material/download:")
