"""Benchmark the delegate portal `/b/<token>`: server time per page and bytes of a first load.

    python bench/portal.py [--delegates 300] [--documents 20] [--rounds 5]

Builds the demo congress (its whole agenda and livestreams) on a fresh SQLite database, with
DELEGATES delegates (each with a photo), DOCUMENTS documents (some with a second version, some
drafts, some for delegates only) and a read log in which every delegate opened a few of them.
Then it asks for every delegate's portal ROUNDS times through the app (in this process, as a
phone's request would reach it, without the network) and prints the time per page (p50, p90,
p99), and what a phone downloads on its first visit: the page, its stylesheet and scripts and
the photo, compressed as the app sends them, against the 50 KB target.
"""

from __future__ import annotations

import argparse
import gzip
import io
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.serving import percentile  # noqa: E402  (after the path is set)

TARGET_P50_MS = 10
TARGET_FIRST_LOAD = 50 * 1024
# A one-page blank PDF is all the portal needs: it lists documents, it does not open them.
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
TITLES = ["Dự thảo Báo cáo chính trị", "Báo cáo kiểm điểm của Ban Chấp hành",
          "Dự thảo Nghị quyết Đại hội", "Báo cáo tài chính công đoàn", "Quy chế bầu cử",
          "Danh sách đề cử Ban Chấp hành khóa XX", "Chương trình hành động nhiệm kỳ 2023-2028"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ"]
GIVEN = ["Văn Trường", "Thị Lan", "Đức Anh", "Ngọc Hương", "Minh Khánh", "Thanh Thủy"]
ASSET = re.compile(r'<(?:script|img)[^>]*\ssrc="([^"]+)"|<link[^>]*\shref="([^"]+\.css[^"]*)"')


def portrait(seed: int) -> bytes:
    """A photo-like JPEG (noise compresses as badly as a face does), 600 pixels high."""
    from PIL import Image

    rng = random.Random(seed)
    image = Image.effect_noise((450, 600), 60).convert("RGB")
    tint = Image.new("RGB", image.size, (rng.randrange(256), rng.randrange(256), 200))
    image = Image.blend(image, tint, 0.5)
    output = io.BytesIO()
    image.save(output, "JPEG", quality=90)
    return output.getvalue()


def seed_portal(delegates: int, documents: int, photos: int | None = None) -> list[str]:
    """Fill the demo congress (in the current app context); returns the delegates' tokens.

    `photos` delegates get a photo (all of them by default).
    """
    from sqlalchemy import insert, select

    from conference.auth.models import User
    from conference.auth.service import Actor
    from conference.badges.identity import badge_token
    from conference.delegates.models import Delegate
    from conference.delegates.service import DelegateInput, new_delegate_values, set_delegate_photo
    from conference.demo import load_demo
    from conference.documents.models import DocumentRead
    from conference.documents.service import add_version, create_document
    from conference.extensions import db
    from conference.streams.models import Stream
    from conference.streams.service import set_stream_status

    congress, _created = load_demo()
    admin = User(username="ban.to.chuc", password_hash="!", is_admin=True)
    db.session.add(admin)
    db.session.commit()
    actor = Actor(admin, "", "cli")
    rng = random.Random(19)
    db.session.execute(insert(Delegate), [new_delegate_values(congress, DelegateInput(
        code=f"P{n:05d}", full_name=f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}",
        category="official" if n % 10 else "guest", position="Chủ tịch Công đoàn cơ sở",
        unit=f"Công đoàn cơ sở số {n}", delegation=f"Đoàn {n % 12 + 1}",
        seat=f"{chr(65 + n % 10)}-{n:03d}")) for n in range(1, delegates + 1)])
    db.session.commit()
    people = list(db.session.scalars(  # these, not the demo's own delegates
        select(Delegate).where(Delegate.congress_id == congress.id, Delegate.code.like("P%"))
        .order_by(Delegate.id)))
    for number, delegate in enumerate(people[:delegates if photos is None else photos]):
        set_delegate_photo(actor, delegate, portrait(number))
    made = []
    for n in range(documents):
        made.append(create_document(actor, congress, {
            "title": f"{TITLES[n % len(TITLES)]} ({n + 1})",
            "category": ("political_report", "review_report", "other")[n % 3],
            "visibility": ("delegates", "public", "delegates", "organizers")[n % 4],
            "status": "draft" if n % 2 else "final"}, f"tai-lieu-{n + 1}.pdf", PDF))
    for document in made[::3]:
        add_version(actor, document, "ban-sua.pdf", PDF)
    db.session.execute(insert(DocumentRead), [
        {"delegate_id": delegate.id, "document_id": document.id, "version": 1}
        for delegate in people for document in rng.sample(made, min(5, len(made)))])
    db.session.commit()
    stream = db.session.scalar(select(Stream).where(Stream.congress_id == congress.id))
    if stream is not None:
        set_stream_status(actor, stream, "live")
    return [badge_token(delegate) for delegate in people]


def first_load(client, token: str) -> dict[str, int]:
    """Bytes a phone downloads on its first visit, per file, as sent (gzip accepted)."""
    headers = {"Accept-Encoding": "gzip, deflate"}
    page = client.get(f"/b/{token}", headers=headers)
    assert page.status_code == 200, page.status_code
    html = gzip.decompress(page.data).decode() if page.headers.get(
        "Content-Encoding") == "gzip" else page.get_data(as_text=True)
    sizes = {f"/b/{token[:4]}…": len(page.data)}
    for script_or_image, stylesheet in ASSET.findall(html):
        path = (script_or_image or stylesheet).replace("&amp;", "&")
        with client.get(path, headers=headers) as asset:
            assert asset.status_code == 200, path
            sizes[path.replace(token, token[:4] + "…")] = len(asset.data)
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delegates", type=int, default=300)
    parser.add_argument("--documents", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from conference import create_app
    from conference.database import upgrade_database
    from conference.extensions import db

    instance = Path(tempfile.mkdtemp(prefix="bench-portal-"))
    try:
        settings = {"INSTANCE_PATH": str(instance), "SECRET_KEY": "bench-portal-secret",
                    "DATABASE_URL": f"sqlite:///{instance / 'conference.db'}",
                    "RATELIMIT_STORAGE_URL": "memory://", "JOBS_IMMEDIATE": True}
        app = create_app(settings)
        upgrade_database(app)
        with app.app_context():
            began = time.perf_counter()
            tokens = seed_portal(args.delegates, args.documents)
            print(f"seeded {len(tokens)} delegates with photos and {args.documents} documents "
                  f"in {time.perf_counter() - began:.1f} s")
        client = app.test_client()
        for token in tokens:  # warm: photos made small once, templates compiled
            client.get(f"/b/{token}/photo.jpg").close()
        timings = []
        for _round in range(args.rounds):
            for token in tokens:
                began = time.perf_counter()
                response = client.get(f"/b/{token}")
                timings.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200
        p50 = percentile(timings, .5)
        print(f"\nportal page, {len(timings)} requests: p50 {p50:.2f} ms  p90 "
              f"{percentile(timings, .9):.2f} ms  p99 {percentile(timings, .99):.2f} ms  "
              f"mean {statistics.fmean(timings):.2f} ms (target p50 < {TARGET_P50_MS} ms: "
              f"{'met' if p50 < TARGET_P50_MS else 'NOT met'})")
        sizes = first_load(client, tokens[0])
        total = sum(sizes.values())
        print("\nfirst load over the wire (compressed as sent):")
        for path, size in sizes.items():
            print(f"  {size:7,} B  {path}")
        print(f"  {total:7,} B  in all (target at most {TARGET_FIRST_LOAD:,} B: "
              f"{'met' if total <= TARGET_FIRST_LOAD else 'NOT met'})")
        with app.app_context():
            db.engine.dispose()
    finally:
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
