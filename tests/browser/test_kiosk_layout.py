"""The LED wall's type, measured in Chromium: every scene type at three wall sizes, with words whose
capitals carry stacked diacritics (TỈNH, LẦN, BIỂU, NỔI).

Each glyph's ink box (from the font's own metrics, drawn to a canvas) must lie inside what its
clipping ancestors show; every text is at least 4.5 % of the canvas height with 4.5:1 contrast;
the agenda fills the wall; a flash leaves nothing of the scene beneath it visible.
Screenshots of each scene at each size go to test-artifacts/kiosk-layout-*.png.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image

from conference.actors import SYSTEM
from conference.agenda.models import AgendaItem
from conference.auth.models import Membership, User
from conference.auth.service import Actor
from conference.checkin.service import check_in_delegate
from conference.congresses.models import Congress
from conference.delegates.models import Delegate
from conference.delegates.service import DelegateInput, new_delegate_values
from conference.displays import service
from conference.elections import service as elections_service
from conference.extensions import db
from conference.speakers import service as speakers_service
from conference.streams.models import Stream
from conference.votes import service as votes_service
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD_HASH

pytestmark = pytest.mark.slow

SIZES = [(3840, 1080), (1920, 1080), (1536, 512)]
MIN_TEXT = 0.045  # of the canvas height
MIN_CONTRAST = 4.5
CONGRESS = "Đại hội Công đoàn tỉnh Hà Tĩnh lần thứ XIX, nhiệm kỳ 2023–2028"
FLASH = "MỜI ĐẠI BIỂU ỔN ĐỊNH CHỖ NGỒI ĐỂ BIỂU QUYẾT"
# Agenda titles of the seeded congress, in order: capitals with marks above and below.
ITEM_TITLES = [
    "Chào cờ, tuyên bố lý do, giới thiệu đại biểu TỈNH HÀ TĨNH",
    "BIỂU QUYẾT bầu Đoàn Chủ tịch, Đoàn Thư ký, Ban Thẩm tra tư cách",
    "Thông qua Chương trình và Quy chế làm việc của Đại hội LẦN THỨ XIX",
    "Thảo luận dự thảo Báo cáo chính trị: những kết quả NỔI BẬT",
    "KHAI MẠC ĐẠI HỘI CÔNG ĐOÀN TỈNH HÀ TĨNH LẦN THỨ XIX",
    "Báo cáo của Ban Chấp hành khóa XVIII: NỔI BẬT trong nhiệm kỳ",
    "Báo cáo kiểm điểm của Ban Chấp hành nhiệm kỳ 2018–2023",
    "BIỂU QUYẾT thông qua báo cáo thẩm tra tư cách đại biểu",
    "Phát biểu chỉ đạo của lãnh đạo Tổng Liên đoàn và TỈNH ỦY",
    "Thảo luận tại hội trường: Ý KIẾN ĐẠI BIỂU",
    "Bầu Ban Chấp hành khóa XIX — BIỂU QUYẾT bằng phiếu kín",
    "Thông qua Nghị quyết Đại hội LẦN THỨ XIX",
    "BẾ MẠC ĐẠI HỘI — CHÀO CỜ",
]

# Runs in the kiosk page: measures every glyph of `root` and every text element.
MEASURE = """(root) => {
  const canvas = root.closest('.canvas');
  const frame = canvas.getBoundingClientRect();
  const scale = frame.width / canvas.offsetWidth;
  const unit = canvas.offsetHeight / 100;
  const pen = document.createElement('canvas').getContext('2d');
  const graphemes = new Intl.Segmenter('vi', {granularity: 'grapheme'});
  const range = document.createRange();
  const out = {clipped: [], hidden: [], small: [], faint: [], ink: null, images: []};
  const local = (x, y) => [(x - frame.left) / scale, (y - frame.top) / scale];

  function shownBox(node) {  // what the clipping ancestors of `node` let through
    let box = {left: frame.left, top: frame.top, right: frame.right, bottom: frame.bottom};
    for (let el = node; el && el !== document.body; el = el.parentElement) {
      const style = getComputedStyle(el);
      if (style.overflowX === 'visible' && style.overflowY === 'visible'
          && !style.contain.includes('paint')) { continue; }
      const r = el.getBoundingClientRect();
      const s = el.offsetWidth ? r.width / el.offsetWidth : scale;
      box = {left: Math.max(box.left, r.left + el.clientLeft * s),
             top: Math.max(box.top, r.top + el.clientTop * s),
             right: Math.min(box.right, r.left + (el.clientLeft + el.clientWidth) * s),
             bottom: Math.min(box.bottom, r.top + (el.clientTop + el.clientHeight) * s)};
    }
    return box;
  }
  function rgba(text) {
    const v = text.match(/[\\d.]+/g).map(Number);
    return {r: v[0], g: v[1], b: v[2], a: v.length > 3 ? v[3] : 1};
  }
  function luminance(c) {
    const lin = (v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
  }
  function backdrop(el) {  // the colours behind `el`, composited down to the first opaque one
    const layers = [];
    for (let node = el; node; node = node.parentElement) {
      const c = rgba(getComputedStyle(node).backgroundColor);
      if (c.a > 0) { layers.push(c); }
      if (c.a >= 1) { break; }
    }
    let c = {r: 0, g: 0, b: 0};
    for (const top of layers.reverse()) {
      c = {r: top.r * top.a + c.r * (1 - top.a), g: top.g * top.a + c.g * (1 - top.a),
           b: top.b * top.a + c.b * (1 - top.a)};
    }
    return c;
  }
  function grow(box) {
    const [left, top] = local(box.left, box.top);
    const [right, bottom] = local(box.right, box.bottom);
    out.ink = out.ink ? {left: Math.min(out.ink.left, left), top: Math.min(out.ink.top, top),
                         right: Math.max(out.ink.right, right),
                         bottom: Math.max(out.ink.bottom, bottom)}
                      : {left, top, right, bottom};
  }

  const seen = new Set();
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    const style = getComputedStyle(el);
    if (!node.data.trim() || style.visibility !== 'visible' || !el.getClientRects().length) {
      continue;
    }
    const size = parseFloat(style.fontSize);
    const name = (el.className || el.tagName) + ': ' + node.data.slice(0, 40);
    if (!seen.has(el)) {
      seen.add(el);
      if (size < MIN_TEXT * 100 * unit - 0.01) {
        out.small.push(name + ' ' + (size / unit).toFixed(2) + '%');
      }
      const fg = luminance(rgba(style.color)), bg = luminance(backdrop(el));
      const contrast = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      if (contrast < MIN_CONTRAST) { out.faint.push(name + ' ' + contrast.toFixed(2)); }
    }
    pen.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const shown = shownBox(el);
    let offset = 0, wordStart = true;
    for (const {segment} of graphemes.segment(node.data)) {
      const start = offset;
      offset += segment.length;
      if (/\\s/.test(segment)) { wordStart = true; continue; }
      const upper = style.textTransform === 'uppercase'
        || (style.textTransform === 'capitalize' && wordStart);
      wordStart = false;
      range.setStart(node, start);
      range.setEnd(node, offset);
      const rect = Array.from(range.getClientRects()).find((r) => r.width > 0);
      if (!rect) { continue; }
      const glyph = upper ? segment.toLocaleUpperCase('vi') : segment;
      const m = pen.measureText(glyph);
      const baseline = rect.top + m.fontBoundingBoxAscent * scale;
      const ink = {left: rect.left - m.actualBoundingBoxLeft * scale,
                   right: rect.left + m.actualBoundingBoxRight * scale,
                   top: baseline - m.actualBoundingBoxAscent * scale,
                   bottom: baseline + m.actualBoundingBoxDescent * scale};
      const slack = 0.5;
      const outside = ink.bottom <= shown.top + slack || ink.top >= shown.bottom - slack
        || ink.right <= shown.left + slack || ink.left >= shown.right - slack;
      if (outside) {  // a whole line cut off: no mark of it shows
        out.hidden.push(`${name} «${glyph}»`);
        continue;
      }
      grow(ink);
      if (ink.top < shown.top - slack || ink.bottom > shown.bottom + slack
          || ink.left < shown.left - slack || ink.right > shown.right + slack) {
        out.clipped.push(`${name} «${glyph}» ink ${local(ink.left, ink.top).map(Math.round)}`
                         + ` shown from ${local(shown.left, shown.top).map(Math.round)}`
                         + ` to ${local(shown.right, shown.bottom).map(Math.round)}`);
      }
    }
  }
  for (const img of root.querySelectorAll('img')) {
    const r = img.getBoundingClientRect();
    grow(r);
    out.images.push(r.width * r.height / scale / scale);
  }
  out.width = canvas.offsetWidth;
  out.height = canvas.offsetHeight;
  return out;
}""".replace("MIN_TEXT", str(MIN_TEXT)).replace("MIN_CONTRAST", str(MIN_CONTRAST))

# Runs in the kiosk page: the scene's glyphs that are not under the flash.
UNCOVERED = """() => {
  const flash = document.getElementById('kiosk-flash');
  const range = document.createRange();
  const out = [];
  const layer = document.querySelector('#kiosk-canvas .layer:not(.preparing)');
  const walker = document.createTreeWalker(layer, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.data.length; i += 1) {
      if (!node.data[i].trim()) { continue; }
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      for (const r of range.getClientRects()) {
        const x = r.left + r.width / 2, y = r.top + r.height / 2;
        if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) { continue; }
        const hit = document.elementFromPoint(x, y);
        if (!hit || !flash.contains(hit)) { out.push(node.data[i] + ' of ' + node.data); }
      }
    }
  }
  const style = getComputedStyle(flash);
  return {uncovered: out, background: style.backgroundColor, opacity: style.opacity};
}"""


def _scenes(content) -> dict[str, dict]:
    return {
        "announcement": {"type": "announcement", "title": "BIỂU QUYẾT THÔNG QUA NGHỊ QUYẾT",
                         "body": "ĐẠI HỘI CÔNG ĐOÀN TỈNH HÀ TĨNH LẦN THỨ XIX\n"
                                 "Những kết quả NỔI BẬT của nhiệm kỳ 2018–2023"},
        "current_item": {"type": "current_item", "heading": "ĐANG DIỄN RA — LẦN THỨ XIX"},
        "agenda": {"type": "agenda", "heading": "CHƯƠNG TRÌNH ĐẠI HỘI TỈNH HÀ TĨNH"},
        "attendance": {"type": "attendance", "heading": "ĐẠI BIỂU CÓ MẶT — BIỂU QUYẾT"},
        "stream": {"type": "stream", "stream_id": content["stream_id"],
                   "caption": "NỔI BẬT: QUÉT MÃ ĐỂ XEM TRỰC TIẾP"},
        "qr": {"type": "qr", "caption": "TÀI LIỆU BIỂU QUYẾT ĐẠI HỘI LẦN THỨ XIX",
               "url": "https://congdoan.example.vn/c/dai-hoi-xix"},
        "image": {"type": "image", "image": content["picture"],
                  "caption": "HỘI TRƯỜNG ĐẠI HỘI CÔNG ĐOÀN TỈNH HÀ TĨNH"},
        "figures": {"type": "figures", "title": "KẾT QUẢ NỔI BẬT NHIỆM KỲ 2018–2023",
                    "figures": [{"value": "98.512", "label": "ĐOÀN VIÊN CÔNG ĐOÀN TỈNH"},
                                {"value": "1.326", "label": "CÔNG ĐOÀN CƠ SỞ NỔI BẬT"},
                                {"value": "12.450", "label": "ĐOÀN VIÊN MỚI — LẦN ĐẦU"}]},
        "clock": {"type": "clock", "label": "KHAI MẠC ĐẠI HỘI LẦN THỨ XIX SAU",
                  "countdown_to": "2030-09-28T08:00"},
        "speakers": {"type": "speakers", "heading": "THAM LUẬN TẠI ĐẠI HỘI LẦN THỨ XIX"},
        "vote": {"type": "vote", "heading": "BIỂU QUYẾT THÔNG QUA NGHỊ QUYẾT"},
        "election": {"type": "election", "heading": "KẾT QUẢ BẦU CỬ — LẦN THỨ XIX"},
        "awards": {"type": "awards", "title": "BIỂU DƯƠNG KHEN THƯỞNG NHIỆM KỲ", "entries": [
            {"name": "NGUYỄN THỊ HỒNG NHUNG — TỈNH ỦY HÀ TĨNH",
             "citation": "Chủ tịch Công đoàn ngành Giáo dục: thành tích NỔI BẬT, hoàn thành "
                         "xuất sắc nhiệm vụ 5 năm liền, được BIỂU DƯƠNG LẦN THỨ HAI",
             "photo": content["portrait"]}]},
    }


def _picture(size) -> bytes:
    image = Image.new("RGB", size, (20, 60, 120))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def content(live_server):
    """A congress whose names and agenda are full of stacked diacritics, a stream, two images."""
    congress = live_server.make_congress(name=CONGRESS)
    with live_server.app.app_context():
        items = db.session.scalars(db.select(AgendaItem).where(
            AgendaItem.id.in_([item_id for item_id, _title in congress.items]))).all()
        by_id = {item.id: item for item in items}
        for (item_id, _title), title in zip(congress.items, ITEM_TITLES, strict=False):
            by_id[item_id].title = title
        operator = Actor(db.session.scalar(db.select(User).where(User.username == "van.long")))
        row = db.session.get(Congress, congress.id)
        stream = Stream(congress_id=congress.id, platform="facebook", status="live",
                        title="TRỰC TIẾP ĐẠI HỘI CÔNG ĐOÀN TỈNH HÀ TĨNH LẦN THỨ XIX",
                        url="https://www.facebook.com/congdoanhatinh/videos/123456789")
        db.session.add(stream)
        db.session.commit()
        found = {"stream_id": stream.id,
                 "picture": service.store_image(operator, row, _picture((1600, 900))),
                 "portrait": service.store_image(operator, row, _picture((600, 800)))}
        db.session.remove()
    # The item under way is on the second day: its two sessions (nine items) are the agenda.
    status, _body = live_server.api("POST", f"/api/v1/congresses/{congress.id}/agenda/current",
                                    {"item_id": congress.items[5][0]})
    assert status == 200
    _proceedings(live_server, congress.id, congress.items[5][0])
    return found | {"congress": congress}


SPEAKERS = [("NGUYỄN THỊ HỒNG NHUNG", "Công đoàn ngành Giáo dục TỈNH HÀ TĨNH",
             "Nâng cao chất lượng BIỂU QUYẾT và đối thoại tại nơi làm việc LẦN THỨ XIX"),
            ("ĐẶNG VĂN LỘC", "LĐLĐ huyện Kỳ Anh", "Những kết quả NỔI BẬT của nhiệm kỳ"),
            ("BÙI THỊ THANH HƯƠNG", "Công đoàn Khu kinh tế tỉnh", "Đoàn viên mới — LẦN ĐẦU"),
            ("HỒ SỸ ƯỚC", "Công đoàn Viên chức tỉnh", "Ý KIẾN ĐẠI BIỂU về chính sách")]
CANDIDATES = ["NGUYỄN THỊ THU HẰNG", "TRẦN VĂN DŨNG", "LÊ QUANG HUY", "PHẠM THỊ NGỌC ÁNH",
              "HOÀNG MINH TUẤN", "VÕ THỊ QUỲNH", "ĐẶNG VĂN LỘC", "BÙI THỊ THANH HƯƠNG",
              "ĐỖ MẠNH CƯỜNG", "HỒ SỸ ƯỚC", "NGÔ THỊ YẾN", "DƯƠNG ĐÌNH KHẢI",
              "PHAN THỊ LỆ THỦY", "LÝ VĂN SƠN", "TRỊNH THỊ MỸ DUYÊN"]


def _proceedings(live_server, congress_id: int, item_id: int) -> None:
    """What the proceedings' scenes show at their fullest: four speakers on the item under way,
    the first speaking; a show-of-cards vote closed with its result; an election of 15 for 11
    seats counted and published."""
    with live_server.app.app_context():
        congress = db.session.get(Congress, congress_id)
        item = db.session.get(AgendaItem, item_id)
        speakers = [speakers_service.add_speaker(SYSTEM, item, {
            "name": name, "unit": unit, "title": title}) for name, unit, title in SPEAKERS]
        speakers_service.start_speaker(SYSTEM, speakers[0])
        for number in range(1, 6):
            delegate = Delegate(**new_delegate_values(congress, DelegateInput(
                code=f"KL{number:03d}", full_name=CANDIDATES[number])))
            db.session.add(delegate)
            db.session.commit()
            check_in_delegate(SYSTEM, delegate, session_id=item.session_id)
        vote = votes_service.open_vote(SYSTEM, votes_service.create_vote(SYSTEM, item, {
            "question": "ĐẠI HỘI BIỂU QUYẾT THÔNG QUA NGHỊ QUYẾT ĐẠI HỘI LẦN THỨ XIX",
            "method": "cards"}))
        votes_service.enter_counts(SYSTEM, vote, {"for": 4, "against": 1, "abstain": 0})
        votes_service.close_vote(SYSTEM, vote)
        election = elections_service.create_election(SYSTEM, congress, {
            "title": "BẦU BAN CHẤP HÀNH CÔNG ĐOÀN TỈNH HÀ TĨNH KHÓA XIX", "seats": 11,
            "candidates": CANDIDATES})
        serials = elections_service.batch_serials(
            elections_service.issue_ballots(SYSTEM, election, {"count": 3}))
        clerks = []
        for name in ("kiem.phieu.1", "kiem.phieu.2"):
            clerk = User(username=f"{name}.{congress_id}", password_hash=PASSWORD_HASH)
            db.session.add(clerk)
            db.session.flush()
            db.session.add(Membership(user=clerk, congress_id=congress_id, role="counting"))
            clerks.append(Actor(clerk))
        db.session.commit()
        for index, serial in enumerate(serials):
            crossed = [candidate.id for candidate in election.candidates[-4 - index:]]
            for clerk in clerks:
                elections_service.record_entry(clerk, election, {"serial": serial,
                                                                 "crossed": crossed})
        elections_service.publish(SYSTEM, election)
        db.session.remove()


def _take(server, screen_id: int, scene: dict) -> int:
    status, body = server.api("POST", f"/api/v1/screens/{screen_id}/take", {"scene": scene})
    assert status == 200, body
    return body["state_version"]


def _open_wall(chromium, server, content, size):
    width, height = size
    status, screen = server.api("POST", f"/api/v1/congresses/{content['congress'].id}/screens",
                                {"name": f"LED {width}x{height}", "width": width,
                                 "height": height})
    assert status == 201, screen
    context = chromium.new_context(viewport={"width": width, "height": height},
                                   locale="vi-VN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(screen["kiosk_url"])
    page.wait_for_selector("#kiosk[data-online='1']", state="attached")
    return context, page, screen["id"]


@pytest.fixture(scope="module", params=SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def wall(request, chromium, live_server, content):
    """Each scene type taken on a wall of one size: its measurements, and the page still open
    for the flash."""
    context, page, screen_id = _open_wall(chromium, live_server, content, request.param)
    width, height = request.param
    measured = {}
    for kind, scene in _scenes(content).items():
        version = _take(live_server, screen_id, scene)
        page.wait_for_selector(f"#kiosk[data-rendered='{version}']", state="attached")
        layer = page.locator("#kiosk-canvas .layer:not(.preparing)")
        measured[kind] = layer.evaluate(MEASURE)
        screenshot(page, f"kiosk-layout-{width}x{height}-{kind}")
    yield {"page": page, "screen_id": screen_id, "measured": measured, "size": request.param}
    context.close()


def test_no_glyph_is_clipped_in_any_scene(wall):
    clipped = {kind: found["clipped"] + found["hidden"]
               for kind, found in wall["measured"].items() if found["clipped"] + found["hidden"]}
    assert clipped == {}
    assert wall["page"].errors == []


def test_every_text_reads_from_afar(wall):
    """At least 4.5 % of the canvas height and 4.5:1 contrast, in every scene."""
    small = {kind: found["small"] for kind, found in wall["measured"].items() if found["small"]}
    faint = {kind: found["faint"] for kind, found in wall["measured"].items() if found["faint"]}
    assert small == {}
    assert faint == {}


def test_the_agenda_fills_the_wall(wall):
    found = wall["measured"]["agenda"]
    ink = found["ink"]
    assert (ink["right"] - ink["left"]) / found["width"] > 0.8, ink
    assert ink["bottom"] / found["height"] > 0.75, ink


def test_every_scene_uses_the_canvas(wall):
    """Text and pictures together span most of the canvas, whatever its shape (a picture
    keeps its own: it spans the height)."""
    spans = {}
    for kind, found in wall["measured"].items():
        ink = found["ink"]
        spans[kind] = (round((ink["right"] - ink["left"]) / found["width"], 2),
                       round(ink["bottom"] / found["height"], 2))
    spans["image"] = (1, spans["image"][1])
    assert {kind: span for kind, span in spans.items()
            if span[0] < 0.5 or span[1] < 0.6} == {}


def test_the_elected_show_in_turns_where_they_do_not_fit(wall, live_server, content):
    """Eleven seats, ten elected: the wide walls show every candidate; a 1920x1080 screen, at
    the smallest readable size, drops those not elected and shows the elected a page at a time
    ("1/2"), every one of them on some page."""
    page = wall["page"]
    version = _take(live_server, wall["screen_id"], _scenes(content)["election"])
    page.wait_for_selector(f"#kiosk[data-rendered='{version}']", state="attached")
    layer = page.locator("#kiosk-canvas .layer:not(.preparing)")
    pages = layer.locator(".election-list li.elected").evaluate_all(
        "rows => rows.map((row) => row.dataset.page)")
    assert len(pages) == 10
    if wall["size"] == (1920, 1080):
        assert sorted(set(pages)) == ["0", "1"], pages
        assert layer.locator(".page-mark").inner_text() in ("1/2", "2/2")
        assert layer.locator(".election-list li.other").count() == 0
    else:
        assert set(pages) == {None}, pages
        assert layer.locator(".page-mark").inner_text() == ""
        assert layer.locator(".election-list li.other").count() == 5


def test_a_flash_covers_the_scene(wall, live_server, content):
    page = wall["page"]
    width, height = wall["size"]
    # A scene with text from top to bottom, then a flash over it.
    version = _take(live_server, wall["screen_id"], _scenes(content)["awards"])
    page.wait_for_selector(f"#kiosk[data-rendered='{version}']", state="attached")
    status, _body = live_server.api("POST", f"/api/v1/screens/{wall['screen_id']}/flash",
                                    {"text": FLASH, "seconds": 600})
    assert status == 200
    page.wait_for_selector("#kiosk-flash:not([hidden]) .flash-text")
    found = page.evaluate(UNCOVERED)
    assert found["uncovered"] == []
    assert found["opacity"] == "1" and found["background"].startswith("rgb(")
    measured = page.locator("#kiosk-flash").evaluate(MEASURE)
    assert measured["clipped"] == [] and measured["small"] == [] and measured["faint"] == []
    screenshot(page, f"kiosk-layout-{width}x{height}-flash")
    assert page.errors == []


LONG_NAME = ("Đại hội Công đoàn tỉnh Hà Tĩnh lần thứ XIX, nhiệm kỳ 2023–2028: Đổi mới – Dân chủ – "
             "Đoàn kết – Phát triển, vì quyền lợi đoàn viên và người lao động tỉnh Hà Tĩnh")


@pytest.fixture(scope="module")
def crowded(live_server):
    """A congress whose banner is too long for one line and whose day has 33 items, the
    current one in the middle."""
    congress = live_server.make_congress(name=LONG_NAME)
    session_id = congress.sessions[1][0]
    with live_server.app.app_context():
        session_items = db.session.scalars(db.select(AgendaItem).where(
            AgendaItem.session_id == session_id).order_by(AgendaItem.position)).all()
        last = session_items[-1]
        for n in range(1, 28):
            db.session.add(AgendaItem(
                session_id=session_id, position=last.position + n,
                title=f"Ý kiến thảo luận số {n}: BIỂU QUYẾT những nội dung NỔI BẬT của TỈNH",
                planned_start=last.planned_start + timedelta(minutes=5 * n),
                duration_minutes=5))
        db.session.commit()
        middle = db.session.scalars(db.select(AgendaItem).where(
            AgendaItem.session_id == session_id, AgendaItem.position == last.position + 14)
        ).one().id
        db.session.remove()
    status, _body = live_server.api("POST", f"/api/v1/congresses/{congress.id}/agenda/current",
                                    {"item_id": middle})
    assert status == 200
    return {"congress": congress}


@pytest.mark.parametrize("size", [(1920, 1080), (1536, 512)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_too_much_text_loses_whole_lines_never_part_of_a_glyph(chromium, live_server, crowded,
                                                               size):
    """Past the smallest size, the banner wraps, the agenda drops the items farthest from the
    current one, a long text ends after a whole line: nothing is cut through a glyph."""
    context, page, screen_id = _open_wall(chromium, live_server, crowded, size)
    scenes = {
        "agenda": {"type": "agenda"},
        "announcement": {"type": "announcement", "title": "BIỂU QUYẾT",
                         "body": ("NỔI BẬT LẦN THỨ XIX — TỈNH HÀ TĨNH BIỂU DƯƠNG. " * 40)[:2000]},
        "figures": {"type": "figures", "title": "KẾT QUẢ NỔI BẬT", "figures": [
            {"value": "12.345.678", "label": f"CHỈ TIÊU NỔI BẬT SỐ {n} CỦA TỈNH HÀ TĨNH"}
            for n in range(1, 9)]},
    }
    try:
        measured = {}
        for kind, scene in scenes.items():
            version = _take(live_server, screen_id, scene)
            page.wait_for_selector(f"#kiosk[data-rendered='{version}']", state="attached")
            layer = page.locator("#kiosk-canvas .layer:not(.preparing)")
            measured[kind] = layer.evaluate(MEASURE)
            screenshot(page, f"kiosk-crowded-{size[0]}x{size[1]}-{kind}")
            if kind == "agenda":
                shown_items = layer.locator("li").count()
                assert 1 < shown_items < 33
                assert layer.locator("li.current").count() == 1
        status, _body = live_server.api("POST", f"/api/v1/screens/{screen_id}/flash",
                                        {"text": ("MỜI ĐẠI BIỂU ỔN ĐỊNH CHỖ NGỒI. " * 20)[:500],
                                         "seconds": 600})
        assert status == 200
        page.wait_for_selector("#kiosk-flash:not([hidden]) .flash-text")
        measured["flash"] = page.locator("#kiosk-flash").evaluate(MEASURE)
        screenshot(page, f"kiosk-crowded-{size[0]}x{size[1]}-flash")
        assert {kind: found["clipped"] for kind, found in measured.items()
                if found["clipped"]} == {}
        # Only the long texts lose lines, whole ones.
        assert {kind: found["hidden"] for kind, found in measured.items()
                if any(not line.startswith(("body-text clamped", "label clamped",
                                            "flash-text clamped", "scene-congress"))
                       for line in found["hidden"])} == {}
        assert {kind: found["small"] for kind, found in measured.items() if found["small"]} == {}
        assert page.errors == []
    finally:
        context.close()


# A page of the app's origin with the renderer and two boxes: a console-sized preview and a
# full-size canvas of the same screen.
PREVIEW_PAGE = """<!doctype html><html lang="vi"><head>
<link rel="stylesheet" href="/static/css/kiosk.css"></head><body>
<div class="screen-preview" id="preview"><div class="canvas"></div></div>
<div class="screen-preview" id="full"><div class="canvas"></div></div>
<script src="/static/js/scenes.js"></script></body></html>"""

DRAW_BOTH = """([state, width, height]) => {
  const ctx = {labels: {heading_agenda: 'Chương trình'}, lang: 'vi', step: 0,
               timezone: state.congress.timezone, congress: state.congress, now: () => new Date()};
  const boxes = {preview: [width / 6, height / 6], full: [width, height]};
  const fits = {};
  for (const [id, [w, h]] of Object.entries(boxes)) {
    const box = document.getElementById(id);
    box.style.width = w + 'px';
    box.style.height = h + 'px';
    const canvas = box.querySelector('.canvas');
    Scenes.fit(canvas, width, height, w, h);
    Scenes.render(canvas, state.scene, ctx);
    fits[id] = {regions: Array.from(canvas.querySelectorAll('.fit-region'),
                                    (node) => node.style.getPropertyValue('--fit')),
                columns: canvas.querySelector('.scene-body').style.columnCount,
                items: canvas.querySelectorAll('li').length};
  }
  return fits;
}"""


def test_a_console_preview_lays_out_as_the_wall(chromium, live_server, content):
    """The console draws a screen scaled down with the same renderer: the same sizes, columns
    and items as the wall itself, and no glyph clipped."""
    width, height = 3840, 1080
    status, screen = live_server.api(
        "POST", f"/api/v1/congresses/{content['congress'].id}/screens",
        {"name": "Xem trước", "width": width, "height": height})
    assert status == 201
    _take(live_server, screen["id"], _scenes(content)["agenda"])
    status, state = live_server.api("GET", f"/api/v1/screens/{screen['id']}/state")
    assert status == 200
    context = chromium.new_context(viewport={"width": 1280, "height": 900},
                                   base_url=live_server.url)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto("/healthz")  # the app's origin: its static files and its CSP
        page.set_content(PREVIEW_PAGE)
        page.wait_for_function("() => window.Scenes")
        fits = page.evaluate(DRAW_BOTH, [state, width, height])
        assert fits["preview"] == fits["full"]
        assert len(fits["preview"]["regions"]) == 2 and fits["preview"]["items"] == 9
        measured = page.locator("#preview .canvas").evaluate(MEASURE)
        assert measured["clipped"] == [] and measured["hidden"] == []
        assert errors == []
    finally:
        context.close()
