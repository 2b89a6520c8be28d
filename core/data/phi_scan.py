"""Find columns that look like direct identifiers before an upload is used for anything.

HIPAA Safe Harbor (45 CFR 164.514(b)(2))
lists 18 kinds of identifier. A quality team exporting a cohort often leaves some in
(a name column, an MRN, a phone number), and Lantern does not need any of them: the model
only reads the schema's columns. So the upload screen looks for identifier-like columns
by name and by value pattern, warns, lists them and drops them before validation,
scoring or any chart sees the data.

The schema's own columns (features, identifier and context columns such as
``encounter_id``, ``patient_id`` or ``admission_date``, and the outcome) are passed in
``keep`` and never flagged: they are needed and the bundle owner has agreed to them.
Pure functions on a frame of text cells; nothing is logged or stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from core.data.schema import MISSING_MARKERS, normalise_column_name

#: Share of sampled, non-missing values that must match a value pattern to flag a column.
MATCH_SHARE = 0.8
#: Values inspected per column (the first non-missing ones): enough to be sure, fast on 100,000 rows.
SAMPLE_VALUES = 500
#: Minimum non-missing values before "different on nearly every row" counts as a unique code.
MIN_FOR_UNIQUE = 20


@dataclass(frozen=True)
class _NameRule:
    kind: str
    pattern: re.Pattern[str]
    why: str


def _words(*alternatives: str) -> re.Pattern[str]:
    """Match any alternative as a whole word of a snake/kebab/space/camel-split name."""
    return re.compile(r"(^|_)(" + "|".join(alternatives) + r")(_|$)")


_NAME_RULES: tuple[_NameRule, ...] = (
    _NameRule("date of birth", _words("dob", "birth_?date", "date_of_birth", "birthdate", "birthday", "born"),
              "named like a date of birth (all date elements except the year are identifiers)"),
    _NameRule("name", re.compile(r"^(names?|initials)$|(^|_)(surname|forename|full_?name|given_?name|"
                                 r"family_?name|first_?name|last_?name|middle_?name|maiden_?name|"
                                 r"(patient|pt|person|nok|kin|contact|guarantor|mother|father|carer|caregiver)_?"
                                 r"names?)(_|$)"),
              "named like a person's name"),
    _NameRule("medical record number", _words("mrn", "medical_record", "medical_record_number", "record_number",
                                              "hospital_number", "nhs_number", "nhs_no", "chart_number"),
              "named like a medical record number"),
    _NameRule("social security number", _words("ssn", "social_security", "social_security_number",
                                               "national_insurance", "ni_number"),
              "named like a social security or national insurance number"),
    _NameRule("phone or fax", _words("phone", "telephone", "tel", "mobile", "cell_?phone", "fax", "phone_number",
                                     "contact_number"),
              "named like a phone or fax number"),
    _NameRule("email", _words("email", "e_mail", "email_address"), "named like an email address"),
    _NameRule("web or IP address", _words("url", "website", "ip_address", "ipaddress"),
              "named like a URL or IP address"),
    _NameRule("address", _words("address", "street", "addr", "address_line", "address1", "address2", "city",
                                "town", "county"),
              "named like a street address or place smaller than a state"),
    _NameRule("ZIP or postcode", _words("zip", "zipcode", "zip_code", "postcode", "post_code", "postal_code"),
              "named like a ZIP or postcode (geography smaller than a state)"),
    _NameRule("health plan or account number", _words("member_id", "member_number", "policy", "policy_number",
                                                      "plan_number", "subscriber_id", "account", "account_number",
                                                      "acct", "beneficiary"),
              "named like a health-plan, member or account number"),
    _NameRule("licence or vehicle number", _words("licen[cs]e", "licen[cs]e_number", "vin", "plate",
                                                  "license_plate", "vehicle"),
              "named like a licence or vehicle identifier"),
    _NameRule("device identifier", _words("device_id", "serial", "serial_number", "imei", "udi"),
              "named like a device identifier or serial number"),
    _NameRule("photo or biometric", _words("photo", "image", "picture", "face_photo", "fingerprint", "biometric",
                                           "voiceprint", "retina"),
              "named like a photo or biometric identifier"),
)

_EMAIL = r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}"
_SSN = r"\d{3}-\d{2}-\d{4}"
_PHONE = r"(\+?\d{1,3}[\s.-]?)?(\(\d{2,5}\)|\d{2,5})[\s.-]?\d{3,4}[\s.-]?\d{3,4}"
_ZIP5 = r"\d{5}(-\d{4})?"
_UK_POSTCODE = r"[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2}"
_FULL_DATE = (
    r"\d{4}-\d{1,2}-\d{1,2}([ T][\d:.]+Z?)?"
    r"|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
    r"|\d{1,2}[ -](jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[ -]\d{2,4}"
)
_STREET = (
    r"\d+[A-Za-z]?\s+([\w'.-]+\s+){0,5}(street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|way|court|"
    r"ct|place|pl|terrace|close|crescent|highway|hwy|parkway|pkwy|square|sq)\b.*"
)
_URL = r"(https?://|www\.)\S+"
_IPV4 = r"(\d{1,3}\.){3}\d{1,3}"
_PERSON = r"[A-Z][a-z'-]+,?\s+([A-Z]\.?\s+)?[A-Z][a-z'-]+"
_CODE = r"[A-Za-z]{0,4}[-_]?\d{6,12}"

#: (kind, regex on the whole trimmed value, why, needs values distinct on most rows)
_VALUE_RULES: tuple[tuple[str, re.Pattern[str], str, bool], ...] = (
    ("email", re.compile(_EMAIL), "values look like email addresses", False),
    ("social security number", re.compile(_SSN), "values look like social security numbers (123-45-6789)", False),
    ("web or IP address", re.compile(_URL, re.IGNORECASE), "values look like web addresses", False),
    ("web or IP address", re.compile(_IPV4), "values look like IP addresses", False),
    ("address", re.compile(_STREET, re.IGNORECASE), "values look like street addresses", False),
    ("full date", re.compile(_FULL_DATE, re.IGNORECASE),
     "values are full dates (day and month are identifiers; only the year may be kept)", False),
    ("ZIP or postcode", re.compile(_ZIP5), "values look like 5-digit ZIP codes (only the first 3 digits may be kept)",
     False),
    ("ZIP or postcode", re.compile(_UK_POSTCODE), "values look like full postcodes", False),
    ("phone or fax", re.compile(_PHONE), "values look like phone or fax numbers", True),
    ("name", re.compile(_PERSON), "values look like people's names", True),
    ("unique code", re.compile(_CODE), "values look like record or account numbers, different on nearly every row",
     True),
)


def find_identifier_columns(frame: pd.DataFrame, keep: set[str]) -> list[dict[str, str]]:
    """Identifier-like columns of ``frame`` as ``{"column", "kind", "why"}``, in column order.

    A column is flagged when its name matches an identifier kind, or when at least
    ``MATCH_SHARE`` of its sampled non-missing values match a value pattern (patterns
    that could fit ordinary codes, such as names or long numbers, also need the values
    to differ on nearly every row). Columns in ``keep`` (compared ignoring case and
    surrounding spaces) are never flagged.
    """
    protected = {normalise_column_name(k) for k in keep}
    found: list[dict[str, str]] = []
    for column in frame.columns:
        norm = normalise_column_name(column)
        if norm in protected:
            continue
        hit = _by_name(str(column)) or _by_values(frame[column])
        if hit:
            found.append({"column": str(column), "kind": hit[0], "why": hit[1]})
    return found


def drop_identifier_columns(frame: pd.DataFrame, found: list[dict[str, str]]) -> pd.DataFrame:
    """``frame`` without the flagged columns (a new frame; the input is not changed)."""
    names = {f["column"] for f in found}
    return frame.drop(columns=[c for c in frame.columns if str(c) in names])


def keep_columns(id_columns: tuple[str, ...] | list[str], features: list[str], context: tuple[str, ...] | list[str],
                 target: str) -> set[str]:
    """The schema columns that must never be flagged: identifiers, features, context and outcome."""
    return {*id_columns, *features, *context, target}


def _snake(name: str) -> str:
    """``PatientName`` / ``patient-name`` / ``Patient Name`` -> ``patient_name``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())
    return re.sub(r"[^a-z0-9]+", "_", spaced.lower()).strip("_")


def _by_name(column: str) -> tuple[str, str] | None:
    name = _snake(column)
    for rule in _NAME_RULES:
        if rule.pattern.search(name):
            return rule.kind, rule.why
    return None


def _sample(col: pd.Series) -> pd.Series:
    text = col.astype("string").str.strip()
    present = text[text.notna() & ~text.str.lower().isin(sorted(MISSING_MARKERS))]
    return present.head(SAMPLE_VALUES).astype(str)


def _by_values(col: pd.Series) -> tuple[str, str] | None:
    values = _sample(col)
    if values.empty:
        return None
    distinct_share = values.nunique() / len(values)
    mostly_unique = len(values) >= MIN_FOR_UNIQUE and distinct_share >= 0.9
    for kind, pattern, why, needs_unique in _VALUE_RULES:
        if needs_unique and not mostly_unique:
            continue
        share = values.map(lambda v, p=pattern: bool(p.fullmatch(v))).mean()
        if share >= MATCH_SHARE:
            return kind, why
    return None
