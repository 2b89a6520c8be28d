"""Per-session state of the cohort page: the current upload, its scored result and memoised summaries.

Everything lives in ``st.session_state`` under keys starting with ``cohort_``; nothing is
kept at module level, so two users never see each other's files. A scored upload is kept
under its content hash plus the bundle version (one at a time, to bound memory) and is
discarded with the session.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from core.scoring.upload import UploadResult

UPLOAD = "cohort_upload"  # (file name, bytes) set by the uploader callback or the demo button
RESULTS = "cohort_results"  # {cache key: CohortRun | error text}
SELECTED = "cohort_selected"  # analysis index of the patient opened from the worklist
SELECTION_SEEN = "cohort_selection_seen"
MEMO = "cohort_memo"
MEMO_MAX = 48


@dataclass
class CohortRun:
    """A scored upload as the page uses it."""

    key: str
    name: str
    upload: UploadResult

    @property
    def short(self) -> str:
        """A short form of the key for widget keys (new file -> fresh widgets)."""
        return self.key[:10]


def cache_key(data: bytes, bundle_version: str) -> str:
    """sha256 of the file's bytes plus the bundle version: the same file under a new model is rescored."""
    return f"{hashlib.sha256(data).hexdigest()}:{bundle_version}"


def set_upload(name: str, data: bytes) -> None:
    """Make (name, bytes) the page's current file and forget the previous patient selection."""
    st.session_state[UPLOAD] = (name, data)
    st.session_state.pop(SELECTED, None)
    st.session_state.pop(SELECTION_SEEN, None)


def clear_upload() -> None:
    for key in (UPLOAD, RESULTS, SELECTED, SELECTION_SEEN, MEMO):
        st.session_state.pop(key, None)


def current_upload() -> tuple[str, bytes] | None:
    value = st.session_state.get(UPLOAD)
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], bytes | bytearray):
        return str(value[0]), bytes(value[1])
    return None


def stored(key: str) -> CohortRun | str | None:
    return st.session_state.get(RESULTS, {}).get(key)


def store(key: str, value: CohortRun | str) -> None:
    """Keep only this upload's result (the previous file's result is dropped with its memo)."""
    st.session_state[RESULTS] = {key: value}
    st.session_state[MEMO] = {}


def memo[T](name: str, parts: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """A per-session cache of expensive summaries, keyed by what they depend on (file, filters, settings)."""
    cache: dict[tuple[Any, ...], Any] = st.session_state.setdefault(MEMO, {})
    key = (name, *parts)
    if key not in cache:
        if len(cache) >= MEMO_MAX:
            cache.pop(next(iter(cache)))
        cache[key] = compute()
    return cache[key]


def digest(*parts: object) -> str:
    """A short stable fingerprint of settings, for widget keys and memo keys."""
    return hashlib.sha1(repr(parts).encode("utf-8"), usedforsecurity=False).hexdigest()[:10]
