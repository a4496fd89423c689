"""Finding delegates: filter, sort and page the list, count it, and export what a filter finds."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from conference.audit.service import record
from conference.auth.service import Actor, Capability, authorize
from conference.congresses.models import Congress
from conference.delegates.importing import EXPORT_FIELDS, header_label, value_label
from conference.delegates.models import CHOICE_LABELS, Delegate, DelegateStatus, fold
from conference.delegates.service import category_labels
from conference.extensions import db
from conference.tables import table_file

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
SORTS = {"name": (Delegate.name_key,), "code": (Delegate.code,), "unit": (Delegate.unit,),
         "delegation": (Delegate.delegation, Delegate.name_key), "seat": (Delegate.seat,),
         "category": (Delegate.category, Delegate.name_key),
         "status": (Delegate.status, Delegate.name_key),
         "newest": (Delegate.id.desc(),)}


@dataclass
class DelegatePage:
    delegates: list[Delegate]
    total: int
    page: int
    pages: int
    page_size: int = PAGE_SIZE

    @property
    def first(self) -> int:
        """The position of the page's first row in the whole list (1-based; 0 when empty)."""
        return (self.page - 1) * self.page_size + 1 if self.delegates else 0

    @property
    def last(self) -> int:
        return self.first + len(self.delegates) - 1 if self.delegates else 0


def day_first(iso_date: str) -> str:
    """A stored date of birth as Vietnamese lists write it (1975-03-05 -> 05/03/1975); a year
    alone stays as it is."""
    if len(iso_date) != 10:
        return iso_date
    year, month, day = iso_date.split("-")
    return f"{day}/{month}/{year}"


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# The order a print run and a mailing go in: a unit's badges and letters come out together.
HANDOUT_ORDER = (Delegate.delegation, Delegate.code, Delegate.id)


def of_group(query, congress: Congress, *, category: str = "", delegation: str = "",
             ids=()):
    """`query` kept to the congress's delegates still attending, of one category, one
    delegation or a list of ids when given: the groups badges are printed and letters sent for.
    """
    query = query.where(Delegate.congress_id == congress.id,
                        Delegate.status != DelegateStatus.WITHDRAWN)
    if category:
        query = query.where(Delegate.category == category)
    if delegation:
        query = query.where(Delegate.delegation == delegation)
    if ids:
        query = query.where(Delegate.id.in_(ids))
    return query


def _filtered(congress: Congress, *, q: str = "", category: str = "", status: str = "",
              delegation: str | None = None, present_ids: set[int] | None = None,
              present: bool | None = None):
    query = select(Delegate).where(Delegate.congress_id == congress.id)
    q = (q or "").strip()
    if q:
        # Every word somewhere in name, code, unit or seat, with or without diacritics: every
        # write fills search_key (the ORM events, the import's bulk statements).
        query = query.where(*[Delegate.search_key.like(_like(word), escape="\\")
                              for word in fold(q).split()])
    if category:
        query = query.where(Delegate.category == category)
    if status:
        query = query.where(Delegate.status == status)
    if delegation is not None and delegation != "":
        query = query.where(Delegate.delegation == delegation)
    if present is not None and present_ids is not None:
        condition = Delegate.id.in_(present_ids)
        query = query.where(condition if present else ~condition)
    return query


def search_delegates(congress: Congress, *, q: str = "", category: str = "", status: str = "",
                     delegation: str | None = None, present_ids: set[int] | None = None,
                     present: bool | None = None, sort: str = "name", page: int = 1,
                     page_size: int = PAGE_SIZE) -> DelegatePage:
    """Filter, sort and page the congress's delegates (search by name, code, unit or seat)."""
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    query = _filtered(congress, q=q, category=category, status=status, delegation=delegation,
                      present_ids=present_ids, present=present)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // page_size))
    page = max(1, min(int(page), pages))
    order = SORTS.get(sort, SORTS["name"])
    rows = db.session.scalars(query.order_by(*order, Delegate.id)
                              .offset((page - 1) * page_size).limit(page_size))
    return DelegatePage(list(rows), total, page, pages, page_size)


def delegate_counts(congress: Congress) -> dict:
    """How many delegates the congress has: in all, per status, per category (not withdrawn)."""
    by_status = dict(db.session.execute(
        select(Delegate.status, func.count(Delegate.id))
        .where(Delegate.congress_id == congress.id).group_by(Delegate.status)).all())
    by_category = dict(db.session.execute(
        select(Delegate.category, func.count(Delegate.id))
        .where(Delegate.congress_id == congress.id,
               Delegate.status != DelegateStatus.WITHDRAWN)
        .group_by(Delegate.category)).all())
    return {"total": sum(by_status.values()),
            "by_status": {status.value: by_status.get(status.value, 0)
                          for status in DelegateStatus},
            "by_category": by_category}


def delegations(congress: Congress) -> list[str]:
    """The delegations named in the congress, for the filter."""
    return [name for name in db.session.scalars(
        select(Delegate.delegation).where(Delegate.congress_id == congress.id)
        .distinct().order_by(Delegate.delegation)) if name]



# --- export ---------------------------------------------------------------------------------


EXPORT_WIDTHS = [12, 28, 12, 8, 20, 36, 24, 24, 8, 14, 28, 14, 30, 10, 18, 16, 10, 24, 18, 30]


def export_delegates(actor: Actor, congress: Congress, kind: str, *, q: str = "",
                     category: str = "", status: str = "", delegation: str | None = None
                     ) -> tuple[str, str, bytes]:
    """The (filtered) list as CSV or XLSX with the headers imports read: (name, type, bytes)."""
    authorize(actor, congress, Capability.EDIT_DELEGATES)
    labels = category_labels(congress, "vi")  # the words lists use, whatever the page's
    query = _filtered(congress, q=q, category=category, status=status, delegation=delegation)
    rows: list[list] = [[header_label(name) for name in EXPORT_FIELDS]]
    for delegate in db.session.scalars(query.order_by(*SORTS["name"], Delegate.id)):
        values = {name: getattr(delegate, name) or "" for name in EXPORT_FIELDS}
        values["birth_date"] = day_first(values["birth_date"])
        for name in ("gender", "status", *CHOICE_LABELS):
            values[name] = value_label(name, str(values[name]))
        values["category"] = labels.get(values["category"], values["category"])
        rows.append([values[name] for name in EXPORT_FIELDS])
    record(actor, "delegate.export", congress_id=congress.id,
           details={"format": kind, "rows": len(rows) - 1})
    db.session.commit()
    return table_file(f"delegates-{congress.slug}", kind, rows, congress.slug, EXPORT_WIDTHS)
