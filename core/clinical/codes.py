"""Clinical terminology as data: the code tables behind FHIR mapping, loaded once and looked up by dict.

The tables are versioned JSON files in ``core/clinical/terminology/`` (sources and licences in its
README): ICD-10 (WHO, CM, GM) and ICD-9-CM to Charlson categories after Quan et al. 2005, SNOMED CT
concept sets for the same categories, NUBC and HL7 discharge dispositions, HL7 v3 encounter classes,
admit sources and admission priorities, and LOINC codes with UCUM unit factors for each lab feature.

Lookups return immutable values, or ``None`` when Lantern does not know the code: never "no", the
caller shows the item as not recorded. Charlson categories are the model's ``cm_*`` feature names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

TERMINOLOGY_DIR = Path(__file__).with_name("terminology")

ICD10 = "icd-10"
ICD10_CM = "icd-10-cm"
ICD10_GM = "icd-10-gm"
ICD9_CM = "icd-9-cm"
SNOMED = "snomed"

#: Code-system identifiers (compared in lower case) -> Lantern's system name.
SYSTEM_IDS: Mapping[str, str] = MappingProxyType({
    "http://hl7.org/fhir/sid/icd-10": ICD10,
    "urn:oid:2.16.840.1.113883.6.3": ICD10,
    "http://hl7.org/fhir/sid/icd-10-cm": ICD10_CM,
    "urn:oid:2.16.840.1.113883.6.90": ICD10_CM,
    "http://fhir.de/codesystem/bfarm/icd-10-gm": ICD10_GM,
    "http://fhir.de/codesystem/dimdi/icd-10-gm": ICD10_GM,
    "http://hl7.org/fhir/sid/icd-9-cm": ICD9_CM,
    "urn:oid:2.16.840.1.113883.6.103": ICD9_CM,
    "http://snomed.info/sct": SNOMED,
    "urn:oid:2.16.840.1.113883.6.96": SNOMED,
    "sct": SNOMED,
})
#: Fragments tried in this order when the identifier is not listed above (first match wins).
SYSTEM_HINTS: tuple[tuple[str, str], ...] = (
    ("icd-10-gm", ICD10_GM), ("icd10gm", ICD10_GM), ("icd-10-cm", ICD10_CM), ("icd10cm", ICD10_CM),
    ("icd-9", ICD9_CM), ("icd9", ICD9_CM), ("icd-10", ICD10), ("icd10", ICD10), ("snomed", SNOMED),
)

_ICD10_WHO = re.compile(r"([A-Z]\d{2})(?:\.([0-9X]{1,2})|([0-9X]{1,2}))?")
_ICD10_CM = re.compile(r"([A-Z]\d[0-9A-Z])\.?([0-9A-Z]{0,4})")
_ICD9_CM = re.compile(r"(\d{3}|V\d{2}|E\d{3})\.?(\d{0,2})")
_SNOMED_ID = re.compile(r"[1-9]\d{5,17}")
_CODING_MARKS = frozenset({"+", "\u2020", "*", "!"})
_LATERALITY = frozenset({"R", "L", "B"})
_CERTAINTY = frozenset({"G", "Z", "V", "A"})
_EMPTY: frozenset[str] = frozenset()


class TerminologyError(ValueError):
    """A terminology table that is missing or malformed, or a lookup asked for something that does not exist."""


@dataclass(frozen=True)
class TableInfo:
    """Provenance of one table: what it is, which version, where it comes from and under which terms."""
    name: str
    version: str
    source: str
    licence: str


@dataclass(frozen=True)
class IcdCode:
    """A parsed ICD code: the bare code (upper case, no dot) and any ICD-10-GM marks written after it."""
    system: str
    code: str
    certainty: str | None = None
    laterality: str | None = None
    marks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Disposition:
    """A discharge disposition code: the model's level (``None`` = no level for it) and outcome flags."""
    system: str
    code: str
    label: str
    level: str | None
    death: bool = False
    hospice: bool = False
    transfer: bool = False
    planned_readmission: bool = False
    note: str = ""


@dataclass(frozen=True)
class EncounterClass:
    """An encounter class: its group and whether such an encounter can be the index inpatient stay."""
    code: str
    label: str
    kind: str
    inpatient: bool = False


@dataclass(frozen=True)
class AdmissionCode:
    """An admit source or admission priority code and the admission_type it implies (``None`` = it does not say)."""
    system: str
    code: str
    label: str
    admission_type: str | None


@dataclass(frozen=True)
class Lab:
    """A lab feature: its unit, LOINC codes (code -> description) and factors from each accepted unit."""
    feature: str
    label: str
    unit: str
    loinc: Mapping[str, str]
    factors: Mapping[str, float]


# ---- loading ---------------------------------------------------------------------------------

def _frozen(value: Any) -> Any:
    """JSON data made immutable all the way down (objects -> MappingProxyType, arrays -> tuples)."""
    if isinstance(value, dict):
        return MappingProxyType({key: _frozen(item) for key, item in value.items()})
    if isinstance(value, list):
        return tuple(_frozen(item) for item in value)
    return value


@cache
def _load(name: str) -> Mapping[str, Any]:
    """One table file, checked for its provenance fields (read once per process)."""
    path = TERMINOLOGY_DIR / f"{name}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise TerminologyError(f"Terminology table '{name}' is missing: expected {path.name} in "
                               f"{TERMINOLOGY_DIR.name}/.") from exc
    missing = [key for key in ("version", "source", "licence") if not data.get(key)]
    if missing:
        raise TerminologyError(f"Terminology table '{name}' has no {', '.join(missing)}; every table must say "
                               "which version it is, where it comes from and under which licence.")
    return _frozen(data)


TABLE_NAMES: tuple[str, ...] = (
    "charlson_icd10", "charlson_icd9cm", "charlson_snomed", "disposition_nubc", "disposition_hl7",
    "encounter_class", "admit_source", "admission_priority", "labs_loinc",
)


def table_info(name: str) -> TableInfo:
    """Provenance of one table (see ``TABLE_NAMES``), for the 'where did this come from' view."""
    data = _load(name)
    return TableInfo(name, str(data["version"]), str(data["source"]), str(data["licence"]))


def tables() -> Mapping[str, TableInfo]:
    """Provenance of every table, by name."""
    return MappingProxyType({name: table_info(name) for name in TABLE_NAMES})


def expand_entry(entry: str) -> tuple[str, ...]:
    """'I42.5-I42.9' -> ('I425', ..., 'I429'); 'I50' -> ('I50',). Range ends have equal length."""
    if "-" not in entry:
        return (entry.replace(".", ""),)
    lo, hi = (part.replace(".", "") for part in entry.split("-"))
    at = next(i for i in range(len(lo)) if lo[i:].isdigit())  # where the numeric part of the range starts
    return tuple(lo[:at] + str(k).zfill(len(lo) - at) for k in range(int(lo[at:]), int(hi[at:]) + 1))


@cache
def _icd_prefixes(table: str) -> Mapping[str, frozenset[str]]:
    """Code prefix -> the Charlson categories it starts (a prefix may start two, e.g. ICD-9 404.03)."""
    found: dict[str, set[str]] = {}
    for category, entries in _load(table)["categories"].items():
        for entry in entries:
            for prefix in expand_entry(entry):
                found.setdefault(prefix, set()).add(category)
    return MappingProxyType({prefix: frozenset(cats) for prefix, cats in found.items()})


def charlson_entries(table: str = "charlson_icd10") -> Mapping[str, tuple[str, ...]]:
    """The Charlson table's entries per category, as written in the file (prefixes and ranges)."""
    return _load(table)["categories"]


@cache
def _snomed() -> Mapping[str, frozenset[str]]:
    """SNOMED CT concept id -> categories; listed no-category concepts map to the empty set."""
    data = _load("charlson_snomed")
    found = {row["code"]: frozenset({category}) for category, rows in data["categories"].items() for row in rows}
    found.update({row["code"]: frozenset() for row in data["no_category"]})
    return MappingProxyType(found)


@cache
def _status_after_counts() -> frozenset[str]:
    """ICD-10-GM: the categories for which a 'status after' (Z) code still counts."""
    return frozenset(_load("charlson_icd10")["icd10_gm_marks"]["status_after_counts_for"])


# ---- code systems and ICD parsing ------------------------------------------------------------

def _text(code: object) -> str:
    """A code as text, stripped; '' for anything that is not a string or an integer."""
    return str(code).strip() if isinstance(code, str | int) and not isinstance(code, bool) else ""


def code_system(system: object) -> str | None:
    """A FHIR ``Coding.system`` (URI, OID or short name) -> 'icd-10', 'icd-10-cm', 'icd-10-gm', 'icd-9-cm',
    'snomed', or ``None`` for a system these tables do not cover."""
    if not isinstance(system, str) or not system.strip():
        return None
    text = system.strip().lower()
    return SYSTEM_IDS.get(text) or next((name for hint, name in SYSTEM_HINTS if hint in text), None)


def _gm_marks(rest: str) -> tuple[str | None, str | None, tuple[str, ...]] | None:
    """The marks after an ICD-10-GM code -> (certainty, laterality, dagger/asterisk marks); None if malformed."""
    certainty = [ch for ch in rest if ch in _CERTAINTY]
    laterality = [ch for ch in rest if ch in _LATERALITY]
    marks = tuple(ch for ch in rest if ch in _CODING_MARKS)
    if len(certainty) > 1 or len(laterality) > 1 or len(certainty) + len(laterality) + len(marks) != len(rest):
        return None
    return (certainty[0] if certainty else None), (laterality[0] if laterality else None), marks


def _parse_icd10(system: str, text: str) -> IcdCode | None:
    match = _ICD10_WHO.match(text)
    if match and system != ICD10_CM:
        code = match.group(1) + (match.group(2) or match.group(3) or "")
        rest = text[match.end():].removeprefix("-")
        if system == ICD10_GM:
            parsed = _gm_marks(rest)
            if parsed is not None:
                return IcdCode(system, code, *parsed)
        elif all(ch in _CODING_MARKS for ch in rest):
            return IcdCode(system, code, marks=tuple(rest))
    if system == ICD10_GM:
        return None
    match = _ICD10_CM.fullmatch(text)
    return IcdCode(system, match.group(1) + match.group(2)) if match else None


def _parse(name: str | None, code: object) -> IcdCode | None:
    text = "".join(_text(code).split()).upper()
    if name not in (ICD10, ICD10_CM, ICD10_GM, ICD9_CM) or not text:
        return None
    if name == ICD9_CM:
        match = _ICD9_CM.fullmatch(text)
        return IcdCode(name, match.group(1) + match.group(2)) if match else None
    return _parse_icd10(name, text)


def parse_icd(system: object, code: object) -> IcdCode | None:
    """An ICD-10 (any edition) or ICD-9-CM code as written -> its bare code and marks, or ``None`` if it is not
    a well-formed code of that system. Case, spaces and the dot do not matter; ICD-10-GM marks are read:
    dagger/asterisk/exclamation (``+ † * !``), laterality (``R L B``) and certainty (``G V Z A``)."""
    return _parse(code_system(system), code)


# ---- lookups -------------------------------------------------------------------------------

def _icd_categories(parsed: IcdCode) -> frozenset[str] | None:
    table = "charlson_icd9cm" if parsed.system == ICD9_CM else "charlson_icd10"
    prefixes = _icd_prefixes(table)
    found: frozenset[str] = frozenset()
    for end in range(3, len(parsed.code) + 1):
        found |= prefixes.get(parsed.code[:end], _EMPTY)
    if not found or parsed.certainty in (None, "G"):
        return found
    if parsed.certainty == "A":  # excluded: the patient does not have it
        return frozenset()
    if parsed.certainty == "Z" and found <= _status_after_counts():
        return found  # a past MI, stroke or ulcer is what Charlson counts
    return None  # suspected, or 'status after' where Charlson needs the condition now: undecided


def charlson_categories(system: object, code: object) -> frozenset[str] | None:
    """The model's Charlson categories (``cm_*``) for one coded condition.

    ``frozenset()`` means known and not a Charlson condition; ``None`` means Lantern cannot tell from
    this code (unknown system or code, a SNOMED concept not in the curated sets, a suspected ICD-10-GM
    diagnosis) -- show it as not recorded, never as "no".
    """
    name = code_system(system)
    if name == SNOMED:
        text = _text(code)
        return _snomed().get(text) if _SNOMED_ID.fullmatch(text) else None
    parsed = _parse(name, code)
    return _icd_categories(parsed) if parsed is not None else None


@cache
def _dispositions(table: str) -> Mapping[str, Disposition]:
    """Code -> Disposition, built once so that a lookup is a dict hit."""
    flags = ("death", "hospice", "transfer", "planned_readmission")
    return MappingProxyType({
        key: Disposition(table.removeprefix("disposition_"), key, row["label"], row["level"],
                         note=row.get("note", ""), **{flag: bool(row.get(flag)) for flag in flags})
        for key, row in _load(table)["codes"].items()
    })


@cache
def _encounter_classes() -> Mapping[str, EncounterClass]:
    return MappingProxyType({key: EncounterClass(key, row["label"], row["kind"], bool(row.get("inpatient")))
                             for key, row in _load("encounter_class")["codes"].items()})


@cache
def _admission_codes(table: str, group: str | None = None) -> Mapping[str, AdmissionCode]:
    rows = _load(table)["codes"][group] if group else _load(table)["codes"]
    return MappingProxyType({key: AdmissionCode(group or table.replace("_", "-"), key, row["label"],
                                                row["admission_type"]) for key, row in rows.items()})


def disposition(code: object, system: object = None) -> Disposition | None:
    """A discharge disposition: NUBC UB-04 patient status ('01', '1', '62' ...) or HL7 ('home', 'snf' ...).

    Without a system, a number is read as NUBC and a word as HL7. ``None``: not a code these tables know.
    """
    text, uri = _text(code), (system.lower() if isinstance(system, str) else "")
    if not text:
        return None
    if "nubc" in uri or "6.301.5" in uri or (not uri and text.isdigit()):
        return _dispositions("disposition_nubc").get(text.zfill(2))
    return _dispositions("disposition_hl7").get(text.lower())


def encounter_class(code: object) -> EncounterClass | None:
    """An HL7 v3 ActCode encounter class ('IMP', 'EMER', 'AMB' ...); ``None`` when not an encounter class."""
    return _encounter_classes().get(code.strip().upper()) if isinstance(code, str) else None


def admit_source(code: object) -> AdmissionCode | None:
    """An HL7 admit-source code ('emd', 'hosp-trans' ...); ``admission_type`` is what it implies, if anything."""
    return _admission_codes("admit_source").get(code.strip().lower()) if isinstance(code, str) else None


def admission_priority(code: object, system: object = None) -> AdmissionCode | None:
    """An admission priority: HL7 v3 ActPriority ('EM', 'UR', 'EL' ...) or NUBC UB-04 FL14 ('1' to '9').

    Without a system, a number is read as NUBC and letters as v3.
    """
    text, uri = _text(code), (system.lower() if isinstance(system, str) else "")
    if not text:
        return None
    if "nubc" in uri or (not uri and text.isdigit()):
        return _admission_codes("admission_priority", "nubc").get(text.lstrip("0") or "0")
    return _admission_codes("admission_priority", "v3").get(text.upper())


def _unit_key(unit: str) -> str:
    return unit.replace(" ", "").lower()


@cache
def labs() -> Mapping[str, Lab]:
    """Every lab feature of the tables, by feature name."""
    out = {}
    for feature, spec in _load("labs_loinc")["labs"].items():
        factors = {_unit_key(spelling): float(unit["factor"])
                   for ucum, unit in spec["units"].items() for spelling in (ucum, *unit["aliases"])}
        out[feature] = Lab(feature, spec["label"], spec["unit"], spec["loinc"], MappingProxyType(factors))
    return MappingProxyType(out)


@cache
def _labs_by_loinc() -> Mapping[str, Lab]:
    return MappingProxyType({code: lab for lab in labs().values() for code in lab.loinc})


def lab_for_loinc(code: object) -> Lab | None:
    """The lab feature a LOINC code measures ('718-7' -> hemoglobin_g_dl); ``None`` for other codes."""
    return _labs_by_loinc().get(code.strip()) if isinstance(code, str) else None


def convert(value: float, ucum_unit: object, lab: Lab | str) -> float | None:
    """A result in ``ucum_unit`` -> the lab feature's unit, exactly (decimal arithmetic: 135 g/L is 13.5);
    ``None`` when the unit is not one this lab accepts (the result is then not recorded)."""
    if isinstance(lab, str):
        if lab not in labs():
            raise TerminologyError(f"'{lab}' is not a lab feature of the terminology tables; "
                                   f"expected one of {sorted(labs())}.")
        lab = labs()[lab]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{lab.label}: the value must be a number, got {type(value).__name__}.")
    factor = lab.factors.get(_unit_key(ucum_unit)) if isinstance(ucum_unit, str) else None
    return None if factor is None else float(Decimal(repr(value)) * Decimal(repr(factor)))
