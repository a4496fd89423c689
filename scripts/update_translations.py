#!/usr/bin/env python
"""Extract translatable strings, merge them into the catalogs and report what is left to do.

    /work/venv/bin/python scripts/update_translations.py          # or: python -m ... from the root

1. extract: _()/gettext/lazy_gettext in conference/**.py and _() in templates/**.html (babel.cfg)
   into conference/translations/messages.pot;
2. update (or init) conference/translations/{vi,en}/LC_MESSAGES/messages.po: new strings come in
   empty, changed ones come in marked "fuzzy" with the old translation as a suggestion;
3. report, per language, the msgids without a translation, the fuzzy ones and translations whose
   %(name)s placeholders differ from the msgid's. Exit status 1 when Vietnamese (the default
   language) has any of them; English may stay empty, the msgid is already English.

Then translate in the .po file (remove the "#, fuzzy" line once checked) and run it again until it
says "vi: complete". The app compiles the .po files itself at start; there is no compile step.
Use --check to report without writing anything (what CI does through tests/test_i18n.py).
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tomllib
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
BABEL_CFG = ROOT / "babel.cfg"
TRANSLATIONS = ROOT / "conference" / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
LOCALES = ("vi", "en")
REQUIRED = ("vi",)  # languages that must be complete
# Also in babel.cfg; repeated so that an older Babel without per-section keywords works too.
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "lazy_ngettext": (1, 2),
            "lazy_pgettext": ((1, "c"), 2)}
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
COMMENT_TAGS = ("TRANSLATORS:",)
WIDTH = 100
# Every %-sequence: %(name)s, %s, %d, %%, and a lone "%" (which would break Jinja's formatting).
PERCENT = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*\d*(?:\.\d+)?[a-zA-Z%]?")
MARKUP = re.compile(r"[<>&]")
TEMPLATE_HEADER = ("# Translations template for conference.\n"
                   "# Made by scripts/update_translations.py from babel.cfg; do not edit by hand.")
CATALOG_HEADER = ("# {language} translations for conference.\n"
                  "# Update with scripts/update_translations.py, then translate here "
                  "(see docs/translations.md).")


def extract_catalog() -> Catalog:
    """Every translatable string in the source, as Babel's extract command would find it."""
    with BABEL_CFG.open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, str(BABEL_CFG))
    catalog = Catalog(project=PROJECT["name"], version=PROJECT["version"], charset="utf-8",
                      msgid_bugs_address="", copyright_holder="", fuzzy=False,
                      header_comment=TEMPLATE_HEADER)
    for filename, lineno, message, comments, context in extract_from_dir(
            ROOT, method_map, options_map, keywords=KEYWORDS, comment_tags=COMMENT_TAGS,
            strip_comment_tags=True):
        catalog.add(message, None, [(Path(filename).as_posix(), lineno)],
                    auto_comments=comments, context=context)
    return catalog


def _serialize(catalog: Catalog, **options) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=WIDTH, **options)
    return buffer.getvalue()


def _without_dates(data: bytes) -> bytes:
    """Catalog text minus the creation/revision dates, to tell real changes from a new stamp."""
    return re.sub(rb'^"(POT-Creation-Date|PO-Revision-Date): .*\\n"$', b"", data, flags=re.M)


def _write_if_changed(path: Path, data: bytes) -> bool:
    """Write only real changes, so running the script twice leaves git (and mtimes) alone."""
    if path.exists() and _without_dates(path.read_bytes()) == _without_dates(data):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def write_template(template: Catalog) -> bool:
    if TEMPLATE.exists():  # keep the old stamp unless something else changed
        with TEMPLATE.open("rb") as handle:
            template.creation_date = read_po(handle).creation_date
    return _write_if_changed(TEMPLATE, _serialize(template))


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def read_catalog(locale: str) -> Catalog:
    with po_path(locale).open("rb") as handle:
        return read_po(handle, locale=locale)


def merge(locale: str, template: Catalog) -> tuple[bool, int]:
    """`pybabel update` (or `init` for a new language); returns (file changed, obsolete dropped)."""
    path = po_path(locale)
    if path.exists():
        catalog = read_catalog(locale)
        catalog.update(template, update_header_comment=False)
        dropped = len(catalog.obsolete)
    else:
        catalog = Catalog(locale=Locale.parse(locale), project=PROJECT["name"],
                          version=PROJECT["version"], charset="utf-8", fuzzy=False,
                          msgid_bugs_address="", copyright_holder="",
                          header_comment=CATALOG_HEADER.format(
                              language=Locale.parse(locale).english_name))
        catalog.update(template, no_fuzzy_matching=True)
        catalog.revision_date = datetime.now(UTC)
        dropped = 0
    catalog.creation_date = template.creation_date
    return _write_if_changed(path, _serialize(catalog, ignore_obsolete=True)), dropped


def _strings(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return value if isinstance(value, tuple) else (value,)


def _shown(message: Message) -> str:
    first = _strings(message.id)[0]
    return f"{message.context} | {first}" if message.context else first


def problems(catalog: Catalog, template: Iterable[Message]) -> dict[str, list[str]]:
    """What keeps `catalog` from being complete for the messages of `template`."""
    found: dict[str, list[str]] = {"missing": [], "fuzzy": [], "placeholders": [], "markup": []}
    for wanted in template:
        if not wanted.id:
            continue
        message = catalog.get(wanted.id, wanted.context)
        translations = _strings(message.string) if message is not None else ()
        if message is None or not translations or not all(translations):
            found["missing"].append(_shown(wanted))
            continue
        if message.fuzzy:
            found["fuzzy"].append(_shown(wanted))
        source = " ".join(_strings(message.id))
        expected = sorted(PERCENT.findall(_strings(message.id)[-1]))
        for translation in translations:
            if sorted(PERCENT.findall(translation)) != expected:
                found["placeholders"].append(f"{_shown(wanted)}  ->  {translation}")
            if set(MARKUP.findall(translation)) - set(MARKUP.findall(source)):
                found["markup"].append(f"{_shown(wanted)}  ->  {translation}")
    return found


def report(locale: str, found: dict[str, list[str]], required: bool) -> None:
    total = sum(len(entries) for entries in found.values())
    if not total:
        print(f"{locale}: complete")
        return
    note = "" if required else " (allowed: the English msgid is shown instead)"
    for kind, entries in found.items():
        if not entries:
            continue
        if not required and kind == "missing":
            print(f"{locale}: {len(entries)} untranslated{note}")
            continue
        print(f"{locale}: {len(entries)} {kind}:")
        for entry in entries:
            print(f"    {entry}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true",
                        help="only report against the current source, write nothing")
    args = parser.parse_args(argv)

    template = extract_catalog()
    print(f"extracted {len(template)} messages")
    if not args.check:
        if write_template(template):
            print(f"wrote {TEMPLATE.relative_to(ROOT)}")
        for locale in LOCALES:
            changed, dropped = merge(locale, template)
            if changed:
                extra = f" ({dropped} unused messages dropped)" if dropped else ""
                print(f"wrote {po_path(locale).relative_to(ROOT)}{extra}")

    failed = False
    for locale in LOCALES:
        if not po_path(locale).exists():
            print(f"{locale}: no catalog yet (run without --check)")
            failed = failed or locale in REQUIRED
            continue
        found = problems(read_catalog(locale), template)
        required = locale in REQUIRED
        report(locale, found, required)
        blocking = found if required else {k: v for k, v in found.items() if k != "missing"}
        failed = failed or any(blocking.values())
    if failed:
        print("Translate the entries above in the .po files, then run this again.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
