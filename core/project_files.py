"""Files Lantern ships beside its packages: the default bundle, the demo data and the app's Streamlit settings.

In a checkout they sit at the repository's top level (``artifacts/``, ``data/``, ``.streamlit/``), where the
README, CI and users' scripts expect them. ``pip install .`` cannot put them next to the packages without
creating generic top-level names such as ``data`` in site-packages, so the wheel installs them as data files
under ``<prefix>/share/lantern/`` instead, and ``project_path`` looks there when the checkout's copy is absent.
"""

from __future__ import annotations

import sysconfig
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
SHARE = ("share", "lantern")


def _installed_roots() -> tuple[Path, ...]:
    """Where pip puts data files: this interpreter's scheme (a venv or the system) and the user scheme."""
    schemes = (sysconfig.get_default_scheme(), sysconfig.get_preferred_scheme("user"))
    return tuple(dict.fromkeys(Path(sysconfig.get_path("data", scheme)).joinpath(*SHARE) for scheme in schemes))


def project_path(*parts: str) -> Path:
    """The checkout's copy of ``parts`` when there is one, else the installed copy (the checkout's path if neither).

    Returning the checkout's path when nothing exists keeps the caller's own "not found" message meaningful.
    """
    local = CHECKOUT.joinpath(*parts)
    if local.exists():
        return local
    for root in _installed_roots():
        if root.joinpath(*parts).exists():
            return root.joinpath(*parts)
    return local
