"""Model card sections on trust: automatic warnings, limitations, version and provenance."""

from __future__ import annotations

from core.model.bundle import Bundle
from core.policy import CALIBRATION_SLOPE_RANGE, LEAKAGE_AUC, MIN_TEST_EVENTS
from core.presentation.wording import NOT_AVAILABLE
from core.reports.model_card.blocks import Block, Bullets, Facts, Prose, Section, Table, Text, finite, prose

SLOPE_LOW, SLOPE_HIGH = CALIBRATION_SLOPE_RANGE


def automatic_warnings(b: Bundle) -> list[str]:
    """Warnings derived from the bundle's own numbers, added to the manifest's warnings."""
    m, out = b.metrics, []
    if b.manifest.data.source.get("kind") == "synthetic":
        out.append("Trained and tested on synthetic data: not evidence of performance on real patients.")
    if finite(m.auc) and m.auc > LEAKAGE_AUC:
        out.append(f"Held-out AUC {m.auc:.3f} is above {LEAKAGE_AUC}, which for readmission usually means leakage.")
    slope = m.calibration_slope
    if finite(slope) and not SLOPE_LOW <= slope <= SLOPE_HIGH:
        out.append(f"Calibration slope {slope:.2f} is outside {SLOPE_LOW}-{SLOPE_HIGH}: predicted risks may be too "
                   f"{'extreme' if slope < 1 else 'modest'} on new patients.")
    if finite(m.events_test) and m.events_test < MIN_TEST_EVENTS:
        out.append(f"Only {int(m.events_test)} events in the held-out set (fewer than {MIN_TEST_EVENTS}): "
                   "the performance estimates are imprecise.")
    return out


def limitations(b: Bundle) -> Section:
    """Fixed limitations, then this bundle's own warnings and the automatic ones."""
    blocks: list[Block] = [Prose(prose("limitations"))]
    warnings = [*b.manifest.warnings, *automatic_warnings(b)]
    if warnings:
        blocks.append(Text("Warnings for this bundle:"))
        blocks.append(Bullets(tuple(warnings)))
    else:
        blocks.append(Text("No warnings were raised when this bundle was built."))
    return Section("Limitations and warnings", tuple(blocks))


def provenance(b: Bundle) -> Section:
    """Name, version, software and the sha256 of every bundle file."""
    mf = b.manifest
    facts = (
        ("Name", b.name),
        ("Version", b.version),
        ("Training date", mf.created),
        ("Software", ", ".join(f"{k} {v}" for k, v in mf.versions.to_json().items()) or NOT_AVAILABLE),
    )
    rows = tuple(mf.files.sha256.items())
    return Section("Version and provenance", (
        Facts(facts),
        Table(("File", "sha256"), rows, caption="Lantern refuses to load a bundle whose files do not match"),
    ))
