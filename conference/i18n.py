"""Languages: which one a request gets, and catalogs compiled without a manual step."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from zoneinfo import available_timezones

from babel.dates import get_timezone_location
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from flask import current_app, has_request_context, request
from flask_babel import get_locale

SOURCE_DIR = Path(__file__).resolve().parent / "translations"
LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
LANGUAGE_COOKIE = "lang"


def select_locale() -> str:
    """The language the visitor chose (a cookie that outlives sign-out), else the default."""
    chosen = request.cookies.get(LANGUAGE_COOKIE) if has_request_context() else None
    if chosen in LANGUAGES:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def compiled_translations(target_root: Path) -> Path:
    """Compile each .po catalog to a .mo under `target_root` when the .po is newer."""
    for po_path in SOURCE_DIR.glob("*/LC_MESSAGES/messages.po"):
        locale = po_path.parent.parent.name
        mo_path = target_root / locale / "LC_MESSAGES" / "messages.mo"
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        temporary = mo_path.with_suffix(f".{id(catalog)}.tmp")
        with temporary.open("wb") as handle:
            write_mo(handle, catalog)
        temporary.replace(mo_path)  # atomic, so a second process never reads half a file
    return target_root


def page_locale() -> str:
    """The language of the page being answered: the visitor's choice, else the default."""
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def category_label(category, locale: str | None = None) -> str:
    """A delegate category's name (its `label_en` or `label_vi`) in `locale`, by default the
    page's: English for English, Vietnamese for every other language."""
    language = str(locale or page_locale())
    return category.label_en if language.startswith("en") else category.label_vi


def format_size(size: int, locale: str | None = None) -> str:
    """A file's size as people read it: "16 KB", "2,4 MB" in Vietnamese, never "0.0 MB"."""
    language = str(locale or page_locale())
    if size < 1024 * 1024:
        return f"{format_decimal(max(1, round(size / 1024)), locale=language)} KB"
    return f"{format_decimal(size / (1024 * 1024), '#,##0.0', locale=language)} MB"


def timezone_label(name: str, locale: str | None = None) -> str:
    """A time zone as people call it ("Giờ Việt Nam", "Vietnam Time"), not "Asia/Ho_Chi_Minh"."""
    return get_timezone_location(name, locale=str(locale or page_locale()))


HOME_ZONE = "Asia/Ho_Chi_Minh"


def timezone_choices(current: str = "") -> list[tuple[str, str]]:
    """Every place's time zone named in words for a drop-down list, Vietnam first; a stored
    zone missing from the list (an old alias) stays selectable."""
    choices = list(_named_zones(str(page_locale())))
    if current and current not in dict(choices):
        choices.insert(1, (current, current))
    return choices


@cache
def _named_zones(locale: str) -> tuple[tuple[str, str], ...]:
    places = sorted(name for name in available_timezones()
                    if "/" in name and name.split("/")[0] in ZONE_REGIONS)
    by_label = {timezone_label(HOME_ZONE, locale): HOME_ZONE}
    for name in places:  # aliases (Asia/Saigon) share a label with their zone: keep one
        by_label.setdefault(timezone_label(name, locale), name)
    home, *others = by_label.items()
    return ((home[1], home[0]), *sorted(((name, label) for label, name in others),
                                        key=lambda choice: choice[1]))


ZONE_REGIONS = {"Africa", "America", "Asia", "Atlantic", "Australia", "Europe", "Indian",
                "Pacific"}
