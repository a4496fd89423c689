"""Benchmark printing ballots: one batch of an election of 15 candidates, rendered in this process.

    python bench/ballots.py [--count 100] [--runs 3]

Prints the median of RUNS renders of COUNT ballots (after a first run, which loads WeasyPrint's
fonts), the time per ballot, the PDF's size, and as a yardstick the median time WeasyPrint takes
for one A5 page of plain text in the same run, with our ratio to it per ballot page.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.venue_bench import without_alembic_chatter  # noqa: E402

NAMES = ["Nguyễn Thị Thu Hằng", "Trần Văn Dũng", "Lê Quang Huy", "Phạm Thị Ngọc Ánh",
         "Hoàng Minh Tuấn", "Võ Thị Quỳnh", "Đặng Văn Lộc", "Bùi Thị Thanh Hương",
         "Đỗ Mạnh Cường", "Hồ Sỹ Ước", "Ngô Thị Yến", "Dương Đình Khải", "Phan Thị Lệ Thủy",
         "Lý Văn Sơn", "Trịnh Thị Mỹ Duyên"]
PLAIN_PAGE = ("<style>@page { size: A5 }</style><h1>PHIẾU BẦU CỬ</h1>"
              + "".join(f"<p>{n}. {name}</p>" for n, name in enumerate(NAMES, start=1)))


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import weasyprint

    from conference import create_app
    from conference.actors import SYSTEM
    from conference.congresses.models import Congress
    from conference.database import upgrade_database
    from conference.elections import pdf, service
    from conference.extensions import db

    app = create_app({"INSTANCE_PATH": tempfile.mkdtemp(prefix="bench-ballots-"),
                      "SECRET_KEY": "bench-ballots-secret-key"})
    with without_alembic_chatter():
        upgrade_database(app)
    with app.test_request_context():
        congress = Congress(slug="dai-hoi-bench", starts_on=date(2023, 9, 27),
                            ends_on=date(2023, 9, 28),
                            name="Đại hội Công đoàn tỉnh Hà Tĩnh lần thứ XIX, nhiệm kỳ 2023–2028")
        db.session.add(congress)
        db.session.commit()
        election = service.create_election(SYSTEM, congress, {
            "title": "Bầu Ban Chấp hành Công đoàn tỉnh khóa XIX", "seats": 11,
            "candidates": NAMES})
        batch = service.issue_ballots(SYSTEM, election, {"count": args.count})
        sizes = []
        render = lambda: sizes.append(len(pdf.render_ballots(election, batch, "vi")))  # noqa: E731
        plain = lambda: weasyprint.HTML(string=PLAIN_PAGE).write_pdf()  # noqa: E731
        first = timed(render)
        ours, yardstick = [], []
        for _round in range(args.runs):  # side by side, under the same load
            ours.append(timed(render))
            yardstick.append(timed(plain))
    median, page = statistics.median(ours), statistics.median(yardstick)
    print(f"{args.count} ballots of {len(NAMES)} names (A5), in one process:")
    print(f"  first run {first:.2f} s; median of {args.runs} {median:.2f} s, "
          f"{median / args.count * 1000:.1f} ms a ballot; PDF {sizes[-1] / 1024:.0f} KB")
    print(f"  yardstick, one plain A5 page of the same names: {page * 1000:.1f} ms; "
          f"a ballot costs {median / args.count / page:.1f} times that")


if __name__ == "__main__":
    main()
