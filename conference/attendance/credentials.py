"""The credentials committee's figures (báo cáo thẩm tra tư cách đại biểu): how many official
delegates were summoned, how many are present, who is absent and why, and what the present ones
are made of (women, ethnic minorities, party members, age, training, sector, how they became
delegates), each as a count and a share of those present.

Summoned are the delegates the quorum counts (official categories), not withdrawn: the same
number as `quorum.expected`. Present follows the congress's check-in rule for a session, or any
check-in for the whole congress, as attendance counts. What a delegate's record leaves empty is
counted as "not stated", never guessed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext

from conference.agenda.models import CongressSession
from conference.attendance.service import DelegateAttendance, delegate_attendance
from conference.congresses.models import Congress
from conference.dates import utcnow
from conference.delegates.models import (
    CHOICE_LABELS,
    CREDENTIAL_FIELDS,
    GENDER_LABELS,
    NOT_STATED,
    Delegate,
    Gender,
    is_minority,
)

NOT_STATED_KEY = "not_stated"
# (band, first age in it); a band runs to the next band's first age.
AGE_BANDS = (("under_30", 0), ("30_39", 30), ("40_49", 40), ("50_59", 50), ("60_and_over", 60))
AGE_LABELS = {"under_30": lazy_gettext("under 30"), "30_39": "30–39", "40_49": "40–49",
              "50_59": "50–59", "60_and_over": lazy_gettext("60 and over")}
ETHNICITY_LABELS = {"kinh": "Kinh", "minority": lazy_gettext("ethnic minorities")}
# Each field of the composition, in the report's order: its name and its values' names.
COMPOSITION = {
    "gender": (lazy_gettext("Gender"), {Gender.FEMALE: GENDER_LABELS[Gender.FEMALE],
                                        Gender.MALE: GENDER_LABELS[Gender.MALE]}),
    "ethnicity": (CREDENTIAL_FIELDS["ethnicity"], ETHNICITY_LABELS),
    "party_member": (CREDENTIAL_FIELDS["party_member"], CHOICE_LABELS["party_member"]),
    "age": (lazy_gettext("Age at the opening of the congress"), AGE_LABELS),
    **{name: (CREDENTIAL_FIELDS[name], CHOICE_LABELS[name])
       for name in ("education", "theory_level", "sector", "mandate")},
}
# Words in a union's name or a venue before the place a paper is dated at ("Hà Tĩnh, ngày ...").
PLACE = re.compile(r"\b(?:tỉnh|thành phố|TP\.?)\s+(\S.*)$", re.IGNORECASE)


def age_on(birth_date: str, day: date) -> int | None:
    """Whole years from `birth_date` (ISO, or a year alone) to `day`; None if not known."""
    try:
        if len(birth_date) == 4:
            return day.year - int(birth_date)
        born = date.fromisoformat(birth_date)
    except ValueError:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def age_band(age: int | None) -> str:
    if age is None:
        return NOT_STATED_KEY
    return next(band for band, first in reversed(AGE_BANDS) if age >= first)


def _value(field: str, delegate: Delegate, day: date) -> str:
    """The composition value of one delegate for one field ("" where not stated)."""
    if field == "age":
        return age_band(age_on(delegate.birth_date or "", day))
    if field == "ethnicity":
        if not (delegate.ethnicity or "").strip():
            return ""
        return "minority" if is_minority(delegate.ethnicity) else "kinh"
    return getattr(delegate, field) or ""


def share(count: int, whole: int) -> float:
    """`count` as a percentage of `whole`, one decimal; 0 of nobody."""
    return round(100 * count / whole, 1) if whole else 0.0


def composition(present: list[Delegate], day: date) -> list[dict]:
    """Every value of every field with its count and share of `present`; not stated too."""
    rows = []
    for field, (_label, values) in COMPOSITION.items():
        counts = Counter(_value(field, delegate, day) or NOT_STATED_KEY for delegate in present)
        for value in [*(str(key) for key in values if key), NOT_STATED_KEY]:
            rows.append({"field": field, "value": value, "count": counts[value],
                         "percent": share(counts[value], len(present))})
    return rows


@dataclass(frozen=True)
class Person:
    delegate: Delegate
    age: int

    def to_dict(self) -> dict:
        d = self.delegate
        return {"delegate_id": d.id, "code": d.code, "full_name": d.full_name, "unit": d.unit,
                "birth_date": d.birth_date, "age": self.age}


def youngest_and_oldest(present: list[Delegate], day: date) -> tuple[Person | None, ...]:
    """The present delegates born last and first (a year alone counts as its middle)."""
    known = [(d.birth_date if len(d.birth_date) > 4 else f"{d.birth_date}-07-01", d)
             for d in present if age_on(d.birth_date or "", day) is not None]
    if not known:
        return None, None
    known.sort(key=lambda pair: (pair[0], pair[1].id))
    return tuple(Person(d, age_on(d.birth_date, day)) for _born, d in (known[-1], known[0]))


def credentials(congress: Congress, session: CongressSession | None = None,
                rows: list[DelegateAttendance] | None = None) -> dict:
    """The report's figures for a session or the whole congress (`rows`: delegate_attendance
    of the same, if the caller has it already)."""
    if rows is None:
        rows = delegate_attendance(congress, session.id if session else None)
    summoned = [row for row in rows if row.counts_for_quorum]
    present = [row.delegate for row in summoned if row.present]
    # Those who sent word first, then the others, each group by delegation and name.
    absent = sorted((row.delegate for row in summoned if not row.present),
                    key=lambda delegate: not delegate.absence_reason)
    day = congress.starts_on
    youngest, oldest = youngest_and_oldest(present, day)
    return {
        "congress_id": congress.id,
        "session_id": session.id if session else None,
        "session_title": session.title if session else None,
        "checkin_rule": congress.checkin_rule,
        "age_on": day.isoformat(),
        "summoned": len(summoned),
        "present": len(present),
        "present_percent": share(len(present), len(summoned)),
        "absent": {
            "count": len(absent),
            "with_reason": sum(1 for d in absent if d.absence_reason),
            "delegates": [{"delegate_id": d.id, "code": d.code, "full_name": d.full_name,
                           "delegation": d.delegation, "unit": d.unit,
                           "reason": d.absence_reason} for d in absent]},
        "composition": composition(present, day),
        "youngest": youngest.to_dict() if youngest else None,
        "oldest": oldest.to_dict() if oldest else None,
        "generated_at": utcnow().isoformat(),
    }


def composition_tables(state: dict) -> list[dict]:
    """The composition grouped by field with each field's and value's name, for pages."""
    tables: dict[str, dict] = {}
    for row in state["composition"]:
        label, values = COMPOSITION[row["field"]]
        table = tables.setdefault(row["field"], {"field": row["field"], "label": label,
                                                 "rows": []})
        table["rows"].append(row | {"label": NOT_STATED if row["value"] == NOT_STATED_KEY
                                    else values.get(row["value"], row["value"])})
    return list(tables.values())


def document_place(congress: Congress) -> str:
    """Where the report is dated: the province or city named in the organizing union or the
    venue ("Liên đoàn Lao động tỉnh Hà Tĩnh" -> "Hà Tĩnh"), else ""."""
    for text in (congress.organizing_union, congress.venue):
        match = PLACE.search(text or "")
        if match:
            return match.group(1).strip()
    return ""
