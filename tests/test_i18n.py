"""Languages: complete Vietnamese catalog, the language switch, and dates written each way."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.catalog import Catalog

ROOT = Path(__file__).resolve().parents[1]


def _load_update_script():
    path = ROOT / "scripts" / "update_translations.py"
    spec = importlib.util.spec_from_file_location("update_translations", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


translations = _load_update_script()


@pytest.fixture(scope="module")
def extracted() -> Catalog:
    """Every translatable string in the source right now (babel.cfg, in-process)."""
    return translations.extract_catalog()


def _describe(found: dict[str, list[str]]) -> str:
    """The problems, one per line, and what to do; empty when there are none."""
    lines = [f"{kind}: {entry}" for kind, entries in found.items() for entry in entries]
    if not lines:
        return ""
    return ("\n".join(lines) + "\n\nRun `python scripts/update_translations.py` and translate "
            "the entries above in conference/translations/<lang>/LC_MESSAGES/messages.po.")


# --- catalogs ----------------------------------------------------------------------------------


def test_extraction_finds_python_lazy_and_template_strings(extracted):
    ids = {message.id for message in extracted}
    assert "Please correct the marked fields." in ids  # gettext as _ in Python
    assert "Preparatory session" in ids  # lazy_gettext
    assert "Skip to content" in ids  # {{ _("...") }} in a template
    assert "%(n)d minutes" in ids  # new-style gettext with a placeholder
    assert len(ids) > 150


def test_vietnamese_catalog_translates_every_extracted_string(extracted):
    problems = _describe(translations.problems(translations.read_catalog("vi"), extracted))
    assert not problems, problems


def test_english_catalog_exists_and_its_translations_are_sound(extracted):
    found = translations.problems(translations.read_catalog("en"), extracted)
    found.pop("missing")  # an empty English msgstr shows the English msgid: fine
    problems = _describe(found)
    assert not problems, problems


def test_the_check_notices_wrong_placeholders_fuzzy_and_missing_entries():
    template = Catalog()
    for msgid in ("Term %(term)s", "Saved.", "Now", "Nothing", "Delete"):
        template.add(msgid)
    catalog = Catalog(locale="vi")
    catalog.add("Term %(term)s", "Nhiệm kỳ %(nhiem_ky)s")
    catalog.add("Saved.", "Đã lưu.", flags=["fuzzy"])
    catalog.add("Now", "50% đang diễn ra")  # a lone % breaks Jinja's new-style gettext
    catalog.add("Delete", "<b>Xóa</b>")  # template translations are not escaped
    found = translations.problems(catalog, template)
    assert found["placeholders"] == ["Term %(term)s  ->  Nhiệm kỳ %(nhiem_ky)s",
                                     "Now  ->  50% đang diễn ra"]
    assert found["fuzzy"] == ["Saved."]
    assert found["missing"] == ["Nothing"]
    assert found["markup"] == ["Delete  ->  <b>Xóa</b>"]


# --- choosing the language ---------------------------------------------------------------------


def test_pages_are_in_vietnamese_by_default(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert '<html lang="vi">' in page.text
    assert "Đăng nhập" in page.text and "Mật khẩu" in page.text
    assert "Sign in" not in page.text


def test_english_is_remembered_and_survives_sign_out(client, create_user, login):
    response = client.get("/lang/en?next=/login")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    set_cookie = response.headers["Set-Cookie"]
    assert set_cookie.startswith("lang=en;") and "HttpOnly" in set_cookie
    assert "SameSite=Lax" in set_cookie and "Max-Age=" in set_cookie

    page = client.get("/login")
    assert '<html lang="en">' in page.text and "Sign in" in page.text
    assert "Đăng nhập" not in page.text

    login(create_user("lan"))
    assert "My congresses" in client.get("/manage/").text
    signed_out = client.post("/logout", follow_redirects=True)
    assert "You are signed out." in signed_out.text
    assert "Sign in" in client.get("/login").text

    client.get("/lang/vi")
    assert "Đăng nhập" in client.get("/login").text


def test_an_unknown_or_forged_cookie_falls_back_to_vietnamese(client):
    client.set_cookie("lang", "fr")
    assert '<html lang="vi">' in client.get("/login").text


def test_unknown_language_is_404(client):
    response = client.get("/lang/xx")
    assert response.status_code == 404
    assert "lang=" not in response.headers.get("Set-Cookie", "")
    assert "Không có gì ở đây" in response.text


@pytest.mark.parametrize("target", [
    "//evil.example", "https://evil.example", "https://evil.example/c/x", "///evil.example",
    "/\\evil.example", "\\\\evil.example", "/\t/evil.example", "javascript:alert(1)",
    "evil.example",
])
def test_language_switch_never_redirects_off_site(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert not location.netloc and location.path == "/"
    assert response.headers["Set-Cookie"].startswith("lang=en;")


def test_language_switch_returns_to_the_page_with_its_query(client):
    response = client.get("/lang/en", query_string={"next": "/c/dai-hoi?x=1"})
    assert response.headers["Location"] == "/c/dai-hoi?x=1"


# --- dates -------------------------------------------------------------------------------------


def test_public_congress_page_writes_dates_per_language(client, create_congress, create_session):
    congress = create_congress(slug="dai-hoi-xix")
    create_session(congress, title="Phiên chính thức",
                   starts_at=datetime(2023, 9, 28, 1, 0, tzinfo=UTC))  # 08:00 in Hà Tĩnh

    page = client.get("/c/dai-hoi-xix")
    assert page.status_code == 200
    assert "Thứ Năm, ngày 28/09/2023, 08:00" in page.text
    assert "Phiên chính thức" in page.text

    client.get("/lang/en")
    page = client.get("/c/dai-hoi-xix")
    assert "Thursday, 28 September 2023, 08:00" in page.text
    assert "Official session" in page.text  # the kind label; the title stays as typed
    assert "Thứ Năm" not in page.text
