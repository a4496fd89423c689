"""Badges: QR codes, fitting long names, layouts, photos, rendering in workers."""

from __future__ import annotations

import io
import os
import subprocess
import unicodedata
import unittest.mock
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from conference import qr
from conference.auth.service import Actor
from conference.badges import fit, render, service
from conference.badges.identity import BadgeRevoked, find_badge, portal_url, reissue_badge
from conference.badges.render import LAYOUTS, BadgeLayout, ink_for
from conference.delegates import photos
from conference.delegates.models import Delegate, DelegateStatus
from conference.delegates.service import DelegateInput, categories, new_delegate_values
from conference.errors import Conflict, Forbidden, ValidationFailed
from conference.extensions import db
from conference.jobs.service import job_result
from conference.urls import public_base_url
from conference.votes.service import badge_pin

BASE = "https://daihoi.example.vn"
LONG_NAME = "Tôn Nữ Thị Hoàng Phương Thảo Nguyên Công Huyền Tôn Nữ Bảo Ngọc Khánh Linh"
LONG_UNIT = ("Công đoàn cơ sở Công ty Trách nhiệm hữu hạn Một thành viên Xổ số kiến thiết và "
             "Dịch vụ tổng hợp tỉnh Hà Tĩnh")
MM = 72 / 25.4  # points per millimetre


# --- helpers, shared with the other badge test files ---------------------------------------


def decode_qr(pdf: bytes, tmp_path: Path, page: int = 1) -> list[str]:
    """The distinct texts of the QR codes on one page, rasterised at 150 dpi and decoded with
    zxing-cpp, QR codes only: it now and then reports one symbol twice, and with every format
    allowed CI once saw 9 distinct texts on a sheet of 8 badges."""
    import zxingcpp

    source = tmp_path / f"decode-{len(list(tmp_path.iterdir()))}.pdf"
    source.write_bytes(pdf)
    prefix = source.with_suffix("")
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", str(page), "-l", str(page),
                    "-singlefile", str(source), str(prefix)], check=True)
    with Image.open(f"{prefix}.png") as image:
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        return sorted({result.text for result in found})


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def pdf_text(pdf: bytes) -> str:
    """All text of the PDF, NFC-normalised, with runs of whitespace made single spaces."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text, NFC-normalised, with runs of whitespace made single spaces."""
    return [" ".join(unicodedata.normalize("NFC", page.extract_text()).split())
            for page in PdfReader(io.BytesIO(pdf)).pages]


def jpeg_photo(color=(180, 120, 90), size=(600, 800)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


def add_delegate(congress, number: int, **fields) -> Delegate:
    """A delegate of `congress`; `status` and `photo` (JPEG or PNG bytes) may be given too."""
    values = {"code": f"DB{number:04d}", "full_name": f"Nguyễn Văn Trường {number}",
              "unit": "LĐLĐ huyện Cẩm Xuyên", "position": "Chủ tịch",
              "delegation": "Đoàn Cẩm Xuyên", "seat": f"A{number}"} | fields
    status = values.pop("status", DelegateStatus.REGISTERED)
    photo = values.pop("photo", None)
    delegate = Delegate(**new_delegate_values(congress, DelegateInput(**values)))
    delegate.status = status
    db.session.add(delegate)
    db.session.commit()
    if photo is not None:
        delegate.photo = photos.store_photo(delegate.id, photos.process_photo(photo))
        db.session.commit()
    return delegate


def add_congress(create_congress):
    congress = create_congress(name="Đại hội Công đoàn tỉnh Hà Tĩnh lần thứ XIX, "
                                    "nhiệm kỳ 2023 – 2028")
    categories(congress)
    return congress


@pytest.fixture
def make_delegate(app):
    counter = iter(range(1, 10_000))
    return lambda congress, **fields: add_delegate(congress, next(counter), **fields)


@pytest.fixture
def congress(create_congress):
    return add_congress(create_congress)


@pytest.fixture
def organizer(create_user, congress):
    return Actor(create_user(role="organizer", congress=congress))


def render_for(congress, delegates, layout="sheet", **kwargs) -> bytes:
    return service.render_badges(congress, delegates, LAYOUTS[layout], BASE, "vi", **kwargs)


# --- QR codes ----------------------------------------------------------------------------


@pytest.mark.parametrize("base", ["http://localhost:5000", BASE,
                                  "https://congdoan.hatinh.gov.vn/dai-hoi-xix"])
def test_a_badge_qr_is_small_and_robust(base):
    code = qr.make_qr(f"{base}/b/{'A' * 22}")
    assert code.version <= 5
    assert code.error in ("M", "Q", "H")
    assert not code.is_micro


def test_a_short_text_gets_a_code_phone_cameras_read():
    """A ballot's serial fits a version-1 code, which jsQR (the gates' and counting tables'
    camera reader) misses at times: it gets version 2 at the highest error level."""
    code = qr.make_qr("AB3K7MNP")
    assert (code.version, code.error) == (2, "H")


def test_a_code_made_for_a_poster_is_not_handed_to_a_badge():
    """Posters and screens allow larger codes; the codes kept in memory remember for whom."""
    url = "https://" + "x" * 80 + "/b/" + "A" * 22
    assert qr.qr_data_url(url, None, max_version=40).startswith("data:image/png;base64,")
    with pytest.raises(qr.QrTooLarge):
        qr.qr_data_url(url, None)


def test_a_public_url_too_long_for_a_small_code_is_refused(app, congress, make_delegate):
    with pytest.raises(qr.QrTooLarge):
        qr.make_qr("https://" + "x" * 80 + "/b/" + "A" * 22)
    delegate = make_delegate(congress)
    with pytest.raises(Conflict) as refused:
        service.badge_views(congress, [delegate], LAYOUTS["a6"], "https://" + "x" * 80, "vi")
    assert refused.value.code == "public_url_too_long"


def test_the_png_is_made_once_and_kept_on_disk(tmp_path, monkeypatch):
    url = f"{BASE}/b/{'B' * 22}"
    first = qr.qr_png(url, tmp_path)
    stored = list(tmp_path.rglob("*.png"))
    assert len(stored) == 1
    import hashlib

    assert stored[0].stem == hashlib.sha256(url.encode()).hexdigest()
    monkeypatch.setattr(qr, "qr_png_bytes", lambda url: pytest.fail("made again"))
    assert qr.qr_png(url, tmp_path) == first
    with Image.open(io.BytesIO(first)) as image:
        assert image.mode == "L"  # WeasyPrint embeds 8-bit greyscale as it is


def test_the_data_url_is_kept_in_memory(tmp_path, monkeypatch):
    url = f"{BASE}/b/{'C' * 22}"
    data_url = qr.qr_data_url(url, tmp_path)
    assert data_url.startswith("data:image/png;base64,")
    monkeypatch.setattr(qr, "qr_png", lambda *args: pytest.fail("read again"))
    assert qr.qr_data_url(url, tmp_path) == data_url


# --- fitting text --------------------------------------------------------------------------


def test_a_short_name_gets_the_largest_size():
    fitted = fit.fit_text("Lê Lan", 40, 14, max_pt=14, min_pt=6, bold=True)
    assert (fitted.size, fitted.text, fitted.cut) == (14, "Lê Lan", False)


@pytest.mark.parametrize("name", [LONG_NAME, "Nguyễn " * 6 + "Trường"])
def test_a_long_name_shrinks_until_it_fits_its_box(name):
    fitted = fit.fit_text(name, 37, 13.5, max_pt=14, min_pt=6, bold=True)
    assert fit.READABLE_PT <= fitted.size < 14 and not fitted.cut
    width_pt, height_pt = 37 / fit.MM_PER_PT * fit.WIDTH_SLACK, 13.5 / fit.MM_PER_PT
    lines = fit._lines_needed(name.split(), width_pt, fitted.size, True)
    assert lines * fitted.size * fit.LINE_HEIGHT <= height_pt


@pytest.mark.parametrize("text", ["Nguyễn " * 40, "Ngô" + "o" * 400])
def test_text_too_long_to_read_whole_is_cut_not_shrunk_below_readable(text):
    fitted = fit.fit_text(text, 37, 13.5, max_pt=14, min_pt=3, bold=True)
    assert fitted.size == fit.READABLE_PT and fitted.cut and fitted.text.endswith("…")
    assert fitted.height <= 13.5


def test_max_lines_keeps_a_field_on_one_line_while_it_can():
    text = "Đoàn Liên đoàn Lao động thành phố Hà Tĩnh"
    free = fit.fit_text(text, 37, 12, max_pt=8, min_pt=5)
    one_line = fit.fit_text(text, 37, 12, max_pt=8, min_pt=5, max_lines=1)
    assert fit.READABLE_PT <= one_line.size < free.size == 8


def test_fitting_works_without_the_font_file(monkeypatch):
    monkeypatch.setattr(fit, "_font", lambda bold: None)
    fit._em_width.cache_clear()
    try:
        fitted = fit.fit_text(LONG_NAME, 37, 13.5, max_pt=14, bold=True)
    finally:
        fit._em_width.cache_clear()
    assert fit.READABLE_PT <= fitted.size < 14


# --- layouts ---------------------------------------------------------------------------------


def test_the_sheet_layout_fits_a4_with_room_for_cut_marks():
    sheet = LAYOUTS["sheet"]
    assert (sheet.page_width, sheet.page_height) == (210, 297)
    assert sheet.per_page == 8
    assert sheet.margin_x >= render.CUT_MARK_LENGTH + 2
    assert sheet.margin_y >= render.CUT_MARK_LENGTH + 2
    marks = sheet.cut_marks()
    assert len(marks) == 2 * (sheet.columns + 1) + 2 * (sheet.rows + 1)
    for mark in marks:  # in the margin, never on a badge
        if mark["kind"] == "v":
            start, low, high = mark["y"], sheet.margin_y, sheet.page_height - sheet.margin_y
        else:
            start, low, high = mark["x"], sheet.margin_x, sheet.page_width - sheet.margin_x
        assert start + render.CUT_MARK_LENGTH < low or start > high
        assert start >= 0 and start + render.CUT_MARK_LENGTH <= max(sheet.page_width,
                                                                    sheet.page_height)
    assert LAYOUTS["card"].cut_marks() == LAYOUTS["a6"].cut_marks() == []


@pytest.mark.parametrize("key", sorted(LAYOUTS))
def test_every_part_of_a_badge_stays_inside_it(key):
    layout: BadgeLayout = LAYOUTS[key]
    assert layout.text_width > 20
    body = layout.height - layout.band - layout.foot
    if layout.shape == "landscape":
        texts = sum(box.height for name, box in layout.texts.items()
                    if name not in ("congress", "category"))
        assert layout.gap + texts <= body
        assert layout.gap + layout.photo_height <= body
        assert layout.gap + layout.qr + 4 <= body  # the seat line under the QR code
    else:
        texts = sum(box.height for name, box in layout.texts.items()
                    if name not in ("congress", "category"))
        assert 2 * layout.gap + layout.photo_height + texts <= body


def test_band_text_is_black_or_white_whichever_reads_better():
    assert ink_for("#b3121b") == "#ffffff"
    assert ink_for("#1f5fa8") == "#ffffff"
    assert ink_for("#f5d90a") == "#000000"
    assert ink_for("#ffffff") == "#000000"
    assert ink_for("not a colour") == "#ffffff"


# --- one badge ------------------------------------------------------------------------------


def test_the_qr_opens_the_delegates_portal(app, client, congress, organizer, make_delegate,
                                           tmp_path):
    delegate = make_delegate(congress, full_name="Đào Anh Dũng")
    pdf = service.single_badge_pdf(organizer, delegate, BASE)
    [text] = decode_qr(pdf, tmp_path)
    assert text == portal_url(delegate, BASE)
    token = text.removeprefix(BASE + "/b/")
    assert find_badge(token).id == delegate.id
    response = client.get(text.removeprefix(BASE))
    assert response.status_code == 200
    assert "Đào Anh Dũng" in response.get_data(as_text=True)


def test_printing_the_same_badge_twice_gives_the_same_qr(app, congress, organizer,
                                                         make_delegate, tmp_path):
    delegate = make_delegate(congress)
    first = decode_qr(service.single_badge_pdf(organizer, delegate, BASE, layout="card"),
                      tmp_path)
    second = decode_qr(service.single_badge_pdf(organizer, delegate, BASE, layout="card"),
                       tmp_path)
    assert first == second == [portal_url(delegate, BASE)]


def test_a_reissued_badge_has_a_new_qr_and_the_old_one_is_revoked(
        app, client, congress, organizer, make_delegate, tmp_path):
    delegate = make_delegate(congress)
    [old] = decode_qr(service.single_badge_pdf(organizer, delegate, BASE), tmp_path)
    reissue_badge(organizer, delegate)
    [new] = decode_qr(service.single_badge_pdf(organizer, delegate, BASE), tmp_path)
    assert new != old and new == portal_url(delegate, BASE)
    with pytest.raises(BadgeRevoked) as revoked:
        find_badge(old.removeprefix(BASE + "/b/"))
    assert revoked.value.delegate.id == delegate.id
    assert find_badge(new.removeprefix(BASE + "/b/")).id == delegate.id
    assert client.get(old.removeprefix(BASE)).status_code == 410


@pytest.mark.parametrize(("layout", "size_mm"), [("a6", (105, 148)), ("card", (85.6, 54)),
                                                 ("single", (105, 148))])
def test_one_badge_is_a_page_of_its_size_and_its_back_another(app, congress, organizer,
                                                               make_delegate, layout, size_mm):
    pdf = service.single_badge_pdf(organizer, make_delegate(congress), BASE, layout=layout)
    front, back = PdfReader(io.BytesIO(pdf)).pages
    for page in (front, back):
        assert float(page.mediabox.width) == pytest.approx(size_mm[0] * MM, abs=0.5)
        assert float(page.mediabox.height) == pytest.approx(size_mm[1] * MM, abs=0.5)
    alone = service.single_badge_pdf(organizer, make_delegate(congress), BASE, layout=layout,
                                     backs="false")
    assert page_count(alone) == 1


def test_the_badge_shows_the_delegates_details_in_vietnamese(app, congress, organizer,
                                                             make_delegate):
    delegate = make_delegate(congress, full_name="Nguyễn Thị Hương Giang", position="Phó Chủ tịch",
                             unit="Công đoàn ngành Giáo dục", delegation="Đoàn Giáo dục",
                             seat="B12", category="guest")
    text = pdf_text(service.single_badge_pdf(organizer, delegate, BASE))
    for expected in ("Nguyễn Thị Hương Giang", "Phó Chủ tịch", "Công đoàn ngành Giáo dục",
                     "Đoàn Giáo dục", "B12", "Khách mời", "Đại hội Công đoàn tỉnh Hà Tĩnh",
                     delegate.code):
        assert expected in text
    english = pdf_text(service.single_badge_pdf(organizer, delegate, BASE, locale="en"))
    assert "Guest" in english and "Khách mời" not in english


def _band_color(pdf: bytes, tmp_path: Path) -> tuple[int, int, int]:
    source = tmp_path / "band.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "30", "-png", "-singlefile", str(source),
                    str(tmp_path / "band")], check=True)
    with Image.open(tmp_path / "band.png") as image:
        return image.convert("RGB").getpixel((3, 2))  # the top left corner: the band


def test_the_band_has_the_colour_of_the_category(app, congress, organizer, make_delegate,
                                                 tmp_path):
    official = make_delegate(congress, category="official")
    guest = make_delegate(congress, category="guest")
    assert _band_color(service.single_badge_pdf(organizer, official, BASE), tmp_path) == \
        pytest.approx((0xb3, 0x12, 0x1b), abs=3)
    assert _band_color(service.single_badge_pdf(organizer, guest, BASE), tmp_path) == \
        pytest.approx((0x1f, 0x5f, 0xa8), abs=3)


def test_a_withdrawn_delegates_badge_is_not_printed(app, congress, organizer, make_delegate):
    delegate = make_delegate(congress, status=DelegateStatus.WITHDRAWN)
    with pytest.raises(Conflict) as refused:
        service.single_badge_pdf(organizer, delegate, BASE)
    assert refused.value.code == "delegate_withdrawn"


def test_an_operator_may_not_print_a_badge(app, congress, create_user, make_delegate):
    operator = Actor(create_user(role="operator", congress=congress))
    with pytest.raises(Forbidden):
        service.single_badge_pdf(operator, make_delegate(congress), BASE)


def test_check_in_staff_may_print_one_badge_but_not_a_run(app, congress, create_user,
                                                          make_delegate):
    staff = Actor(create_user(role="checkin", congress=congress))
    delegate = make_delegate(congress)
    assert page_count(service.single_badge_pdf(staff, delegate, BASE)) == 2  # and its back
    with pytest.raises(Forbidden):
        service.start_badge_job(staff, congress, service.BadgeSelection(), BASE)


# --- long names never overflow ---------------------------------------------------------------


FIELDS = ("band", "name", "position", "unit", "delegation", "foot", "under-qr", "seat",
          "back-congress", "back-name", "back-code", "pin-label", "pin", "pin-note")


def _overflows(badges: render.BadgeDocument) -> list[str]:
    """Fields whose text runs out of their box, from WeasyPrint's own layout."""
    import weasyprint

    from conference.pdf import url_fetcher

    document = weasyprint.HTML(string=badges.html,
                               url_fetcher=url_fetcher(badges.images)).render()
    problems = []

    def text_extent(box):
        for child in getattr(box, "children", ()):
            if type(child).__name__ == "TextBox":
                yield child
            else:
                yield from text_extent(child)

    def visit(box):
        element_class = (box.element.get("class", "") if box.element is not None else "")
        classes = set(element_class.split())
        field = classes & set(FIELDS)
        if field and type(box).__name__ == "BlockBox":
            bottom = box.content_box_y() + box.height + 0.5
            right = box.content_box_x() + box.width + 0.5
            for text in text_extent(box):
                if text.position_y + text.height > bottom or \
                        text.position_x + text.width > right:
                    problems.append(f"{field.pop()}: {text.text!r}")
                    break
        for child in getattr(box, "children", ()):
            visit(child)

    for page in document.pages:
        visit(page._page_box)
    return problems


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_long_vietnamese_names_and_units_fit_their_boxes(app, congress, make_delegate, layout):
    delegates = [
        make_delegate(congress, full_name=LONG_NAME, unit=LONG_UNIT,
                      position="Phó Chủ tịch thường trực kiêm Trưởng ban Tổ chức",
                      delegation="Đoàn Liên đoàn Lao động thành phố Hà Tĩnh", seat="AB-123"),
        make_delegate(congress, full_name="Nguyễn " * 25 + "Trường", unit="x" * 300),
        make_delegate(congress, full_name="Lê Lan"),
    ]
    views = service.badge_views(congress, delegates, LAYOUTS[layout], BASE, "vi")
    html = service.badges_html(congress, views, LAYOUTS[layout], "vi", backs=True)
    assert _overflows(html) == []
    pdf = render.render_one(html)
    assert page_count(pdf) == (2 if layout == "sheet" else 6)  # each page and its backs
    text = pdf_text(pdf).replace(" ", "")
    assert LONG_NAME.replace(" ", "") in text  # printed whole
    assert views[0].texts["name"].size < views[2].texts["name"].size
    assert all(fitted.size >= fit.READABLE_PT for view in views for fitted in view.texts.values())


LONG_POSITION = ("Phó Chủ tịch Thường trực Liên đoàn Lao động tỉnh, Ủy viên Ban Thường vụ Tỉnh "
                 "ủy, Trưởng ban Chỉ đạo phong trào thi đua yêu nước")


@pytest.mark.parametrize(("layout", "borrows"), [("sheet", True), ("card", True),
                                                 ("a6", False)])
def test_a_long_position_wraps_into_the_units_room_at_a_readable_size(
        app, congress, make_delegate, layout, borrows):
    delegate = make_delegate(congress, position=LONG_POSITION, unit=LONG_UNIT,
                             full_name=LONG_NAME)
    [view] = service.badge_views(congress, [delegate], LAYOUTS[layout], BASE, "vi")
    position, unit = view.texts["position"], view.texts["unit"]
    assert position.size >= fit.READABLE_PT and unit.size >= fit.READABLE_PT
    assert position.text == LONG_POSITION and not position.cut  # printed whole
    # On a narrow badge it takes some of the unit's room; the A6 badge's box holds it.
    assert (position.height > LAYOUTS[layout].texts["position"].height) == borrows
    html = service.badges_html(congress, [view], LAYOUTS[layout], "vi")
    assert _overflows(html) == []
    words = pdf_text(render.render_one(html)).split()
    assert "nước" in words and "Tĩnh" in words


def test_the_overflow_check_catches_an_overflow(app, congress, make_delegate):
    delegate = make_delegate(congress, full_name=LONG_NAME)
    [view] = service.badge_views(congress, [delegate], LAYOUTS["card"], BASE, "vi")
    too_big = render.BadgeView(**{**view.__dict__, "texts": view.texts | {
        "name": replace(view.texts["name"], size=16)}})
    html = service.badges_html(congress, [too_big], LAYOUTS["card"], "vi")
    assert any(problem.startswith("name") for problem in _overflows(html))


# --- backs: the voting PIN ------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(LAYOUTS))
def test_every_part_of_a_back_stays_inside_it(key):
    layout: BadgeLayout = LAYOUTS[key]
    back = layout.back
    tops = back.tops()
    assert back.strip < tops["congress"] and tops["end"] <= layout.height - 1
    mono_em = 0.602 * 1.04  # DejaVu Sans Mono's advance, and the letter spacing
    assert 7 * mono_em * back.pin_pt / MM <= layout.width - 2 * layout.pad
    sizes = [back.code_pt, back.label_pt, back.congress.min_pt, back.name.min_pt,
             back.note.min_pt]
    assert min(sizes) >= fit.READABLE_PT


def _vietnamese(msgid: str) -> str:
    from flask_babel import force_locale, gettext

    with force_locale("vi"):
        return gettext(msgid)


@pytest.mark.parametrize("layout", ["a6", "card"])
def test_each_badge_is_followed_by_its_back_which_holds_an_officials_pin(
        app, congress, make_delegate, layout):
    official = make_delegate(congress, full_name="Nguyễn Thị Hương Giang")
    guest = make_delegate(congress, category="guest", full_name="Lê Văn Khách")
    pdf = render_for(congress, [official, guest], layout, backs=True)
    front, back, guest_front, guest_back = page_texts(pdf)
    pin = badge_pin(official)
    assert f"{pin[:3]} {pin[3:]}" in back  # grouped 3 + 3
    for expected in ("Nguyễn Thị Hương Giang", official.code, _vietnamese("Voting PIN"),
                     "Đại hội Công đoàn tỉnh Hà Tĩnh"):
        assert expected in back
    assert "Nguyễn Thị Hương Giang" in front and "Lê Văn Khách" in guest_front
    # The front, worn on the lanyard, shows no PIN; a guest's back only the congress's name.
    assert pin not in front.replace(" ", "") and "PIN" not in front
    assert badge_pin(guest) not in guest_back.replace(" ", "") and "PIN" not in guest_back
    assert "Lê Văn Khách" not in guest_back and "Đại hội Công đoàn tỉnh Hà Tĩnh" in guest_back


def _cell_positions(pdf: bytes, page: int, codes: list[str]) -> dict[str, tuple[float, float]]:
    """Where each code is printed on a page (x, y in points, y from the bottom)."""
    found = {}

    def visit(text, cm, tm, _font, _size):
        for code in codes:
            if code in text and code not in found:
                found[code] = (round(tm[4] * cm[0] + tm[5] * cm[2] + cm[4]),
                               round(tm[4] * cm[1] + tm[5] * cm[3] + cm[5]))

    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return found


def test_a_sheets_backs_are_mirrored_for_flipping_on_the_long_edge(app, congress,
                                                                   make_delegate):
    """Two columns: the front's rows read A B / C D, the backs' rows b a / d c."""
    a, b, c = (make_delegate(congress, seat="") for _ in range(3))
    d = make_delegate(congress, category="guest", seat="")
    codes = [x.code for x in (a, b, c, d)]
    pdf = render_for(congress, [a, b, c, d], "sheet", backs=True)
    assert page_count(pdf) == 2
    fronts, backs = _cell_positions(pdf, 0, codes), _cell_positions(pdf, 1, codes)
    assert fronts[a.code][0] < fronts[b.code][0] and fronts[a.code][1] > fronts[c.code][1]
    # The first back of the back page's first row belongs to the front's last column.
    assert backs[b.code][0] < backs[a.code][0]
    assert backs[a.code][1] == backs[b.code][1] > backs[c.code][1]
    assert backs[c.code][0] == backs[a.code][0]  # c's back in the right-hand column
    assert d.code not in backs  # the guest's back, left of it, has the congress's name only
    texts = page_texts(pdf)
    for official in (a, b, c):
        pin = badge_pin(official)
        assert pin not in texts[0].replace(" ", "") and f"{pin[:3]} {pin[3:]}" in texts[1]
    assert texts[1].count(_vietnamese("Voting PIN")) == 3


def test_a_run_of_several_sheets_puts_each_page_of_backs_after_its_fronts(app, congress,
                                                                          make_delegate):
    delegates = [make_delegate(congress) for _ in range(10)]
    texts = page_texts(render_for(congress, delegates, "sheet", backs=True))
    assert len(texts) == 4
    for page, chunk in ((1, delegates[:8]), (3, delegates[8:])):
        assert all(f"{badge_pin(x)[:3]} {badge_pin(x)[3:]}" in texts[page] for x in chunk)
        assert all(badge_pin(x) not in texts[page - 1].replace(" ", "") for x in chunk)


def test_backs_print_by_default_when_somebody_votes(app, congress, make_delegate):
    assert service.backs_by_default(congress) is False  # nobody yet
    make_delegate(congress, category="guest")
    official = make_delegate(congress, status=DelegateStatus.WITHDRAWN)
    assert service.backs_by_default(congress) is False
    official.status = DelegateStatus.REGISTERED
    db.session.commit()
    assert service.backs_by_default(congress) is True


@pytest.mark.parametrize(("given", "expected"), [(None, None), ("", None), ("1", True),
                                                 ("true", True), ("On", True), (False, False),
                                                 ("0", False), ("no", False)])
def test_the_choice_of_backs_is_read_from_text(app, given, expected):
    assert service.parse_backs(given) is expected


def test_a_wrong_choice_of_backs_is_a_field_error(app):
    with pytest.raises(ValidationFailed) as refused:
        service.parse_backs("maybe")
    assert "backs" in refused.value.fields


# --- photos --------------------------------------------------------------------------------


def test_the_photo_is_printed_small_and_the_placeholder_without_one(app, congress,
                                                                    organizer, make_delegate):
    with_photo = make_delegate(congress, photo=jpeg_photo())
    without = make_delegate(congress)
    pdf = service.single_badge_pdf(organizer, with_photo, BASE)
    images = {(image.image.width, image.image.height)
              for image in PdfReader(io.BytesIO(pdf)).pages[0].images}
    assert service.PHOTO_PIXELS in images
    cached = list((Path(app.instance_path) / "badge-cache" / "photos").rglob("*.jpg"))
    assert len(cached) == 1
    assert service.photo_image(without) == (service.PLACEHOLDER, service.placeholder_photo())


def test_an_unreadable_photo_prints_the_placeholder(app, congress, make_delegate):
    delegate = make_delegate(congress, photo=jpeg_photo())
    photos.photo_path(delegate).write_bytes(b"not a jpeg at all")
    assert service.photo_image(delegate) == (service.PLACEHOLDER, service.placeholder_photo())


# --- print runs ---------------------------------------------------------------------------


def test_a_print_run_leaves_out_withdrawn_delegates(app, congress, organizer, make_delegate):
    kept = [make_delegate(congress) for _ in range(9)]
    make_delegate(congress, status=DelegateStatus.WITHDRAWN)
    chosen = service.select_delegates(congress, service.BadgeSelection())
    assert [d.id for d in chosen] == [d.id for d in kept]
    job = service.start_badge_job(organizer, congress, service.BadgeSelection(), BASE)
    assert job.params["backs"] is True  # official delegates: their PINs on the backs
    assert job.result["badges"] == 9 and page_count(job_result(job)) == 4  # 8 a sheet, backs


@pytest.mark.parametrize(("layout", "pages"), [("sheet", 2), ("a6", 10), ("card", 10)])
def test_page_counts_per_layout(app, congress, make_delegate, layout, pages):
    delegates = [make_delegate(congress) for _ in range(10)]
    assert page_count(render_for(congress, delegates, layout)) == pages


def test_filters_narrow_a_print_run(app, congress, make_delegate):
    a = make_delegate(congress, category="guest", delegation="Đoàn Kỳ Anh")
    b = make_delegate(congress, category="guest", delegation="Đoàn Cẩm Xuyên")
    c = make_delegate(congress, category="official", delegation="Đoàn Kỳ Anh")

    def ids(**choices):
        selection = service.BadgeSelection(**choices)
        return {d.id for d in service.select_delegates(congress, selection)}

    assert ids() == {a.id, b.id, c.id}
    assert ids(category="guest") == {a.id, b.id}
    assert ids(delegation="Đoàn Kỳ Anh") == {a.id, c.id}
    assert ids(category="guest", delegation="Đoàn Kỳ Anh") == {a.id}
    assert ids(ids=[b.id, c.id, 999_999]) == {b.id, c.id}
    assert service.count_badges(congress, service.BadgeSelection(category="guest")) == 2


def test_a_run_with_nothing_to_print_is_refused(app, congress, organizer):
    with pytest.raises(ValidationFailed) as refused:
        service.start_badge_job(organizer, congress, service.BadgeSelection(), BASE)
    assert refused.value.code == "no_badges"


@pytest.mark.parametrize(("given", "expected"), [
    ("", []), ("12, 15 31", [12, 15, 31]), ("7;7,8", [7, 8]), ([3, "4"], [3, 4])])
def test_ids_are_read_from_text_or_a_list(given, expected):
    assert service.parse_ids(given) == expected


@pytest.mark.parametrize("given", ["12, abc", "-3", "0", [True], "1" * 3 + ",x"])
def test_wrong_ids_are_a_field_error(app, given):
    with pytest.raises(ValidationFailed) as refused:
        service.parse_ids(given)
    assert "ids" in refused.value.fields


def test_layout_and_language_are_checked(app):
    assert service.parse_layout("single") == "a6"
    assert service.parse_layout(None) == "sheet"
    with pytest.raises(ValidationFailed) as refused:
        service.parse_layout("poster")
    assert "layout" in refused.value.fields
    assert service.parse_locale("") == app.config["BABEL_DEFAULT_LOCALE"]
    with pytest.raises(ValidationFailed):
        service.parse_locale("fr")


def test_the_public_url_wins_over_the_host(make_app):
    app = make_app(PUBLIC_URL="https://daihoi.example.vn/")
    with app.app_context():
        assert public_base_url("http://10.0.0.5/") == "https://daihoi.example.vn"
    other = make_app()
    with other.app_context():
        assert public_base_url("http://10.0.0.5/") == "http://10.0.0.5"
        with pytest.raises(Conflict):
            public_base_url(None)


# --- workers -----------------------------------------------------------------------------------


def test_a_long_run_renders_beside_a_helper_and_merges_in_order(app, congress, make_delegate,
                                                                tmp_path, monkeypatch):
    monkeypatch.setattr(service, "PART_SIZE", 8)  # parts of one sheet: 8, 8 and 4 badges
    delegates = [make_delegate(congress) for _ in range(20)]
    done = []
    pdf = render_for(congress, delegates, progress=done.append)
    assert page_count(pdf) == 3
    assert done == sorted(done) and done[-1] == 20 and len(done) == 3
    texts = [decode_qr(pdf, tmp_path, page) for page in (1, 2, 3)]
    assert [len(page) for page in texts] == [8, 8, 4]
    expected = sorted(portal_url(d, BASE) for d in delegates)
    assert sorted(text for page in texts for text in page) == expected
    # Sheets stay in the run's order (by delegation, then code).
    first_page = {portal_url(d, BASE) for d in delegates[:8]}
    assert set(texts[0]) == first_page


def die_in_worker(html: str, images: dict) -> bytes:
    """Stands in for the renderer in a worker process, which it ends at once."""
    os._exit(3)


def test_a_worker_that_dies_fails_the_run(app, congress, make_delegate, monkeypatch):
    monkeypatch.setattr(render, "render_in_helper", die_in_worker)
    delegates = [make_delegate(congress) for _ in range(3)]
    with pytest.raises(render.RenderFailed, match="died"):
        render_for(congress, delegates, helpers=1)


def test_a_short_run_renders_in_this_process(app, congress, make_delegate):
    """Small runs render in this process: starting workers would cost more than it saves."""
    delegates = [make_delegate(congress) for _ in range(3)]
    assert len(delegates) <= service.IN_PROCESS_LIMIT
    started = []
    original = render.RenderPool.__init__

    def spy(self, count):
        started.append(count)
        original(self, count)

    with unittest.mock.patch.object(render.RenderPool, "__init__", spy):
        render_for(congress, delegates)
    assert started == []


# --- the audit log -------------------------------------------------------------------------


def test_printing_is_written_to_the_audit_log(app, congress, organizer, make_delegate):
    from conference.audit.models import AuditEntry

    delegate = make_delegate(congress)
    service.single_badge_pdf(organizer, delegate, BASE, layout="card")
    service.start_badge_job(organizer, congress, service.BadgeSelection(category="official"),
                            BASE)
    entries = list(db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.action.startswith("badge")).order_by(AuditEntry.id)))
    assert [(e.action, e.username) for e in entries] == [
        ("badge.print", organizer.user.username), ("badges.print", organizer.user.username)]
    assert entries[0].target == f"delegate:{delegate.code}"
    assert entries[0].details == {"layout": "card", "backs": True}  # the PIN was printed
    assert entries[1].details["category"] == "official" and entries[1].details["badges"] == 1
    assert entries[1].details["backs"] is True
