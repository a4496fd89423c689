"""Benchmark badge printing: 300 badges with photos on A4 sheets, and one badge at the desk.

    python bench/badges.py [--count 300] [--runs 3] [--layout sheet] [--no-backs] [--keep DIR]

Prints, for a congress of COUNT delegates with Vietnamese names and JPEG photos, printed as a
congress with official delegates prints them (each page of badges followed by a page of their
backs, which carry the voting PIN; --no-backs for the fronts alone):
- the print run on A4 sheets in this process and a helper process (first run, which makes the
  QR codes and photo thumbnails, then the median of RUNS warm runs), and in this process alone;
- the same as a job started the way the organizer page starts it, run by a consumer process
  (`python -m conference.jobs.consumer`, as in production), from the click to done;
- CPU time of this process and of the helper (getrusage), which other load does not inflate;
- peak memory: the largest summed PSS of the consumer and its processes, sampled every 10 ms;
- one badge at the desk in a warm process (median of 20);
- ReportLab drawing a plain sheet of the same badges with the stored PNG QR codes and photos
  right after each of our runs (fronts only), and our ratio to it run by run (the machine's
  other load then weighs on both alike), if reportlab is installed in the benchmark's
  environment (it is no dependency of the project; without it the ratio is skipped and says
  so);
- where the time of one run goes, stage by stage, in one process.
Targets: 300 badges <= 2 s on 2 cores and <= 1.4x ReportLab, peak < 300 MB, one badge < 100 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
          "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Tôn Nữ", "Đào"]
MIDDLE = ["Văn", "Thị", "Đức", "Ngọc", "Minh", "Thanh", "Hữu", "Quang", "Thị Hoàng", "Xuân"]
GIVEN = ["Trường", "Dũng", "Lan", "Hương", "Khánh", "Phương Thảo", "Tuấn Anh", "Thủy", "Hải",
         "Nguyệt", "Quỳnh", "Đức Anh", "Hoàng Phương Thảo Nguyên"]
UNITS = ["Công đoàn ngành Công Thương", "Liên đoàn Lao động huyện Cẩm Xuyên",
         "Công đoàn ngành Giáo dục và Đào tạo tỉnh Hà Tĩnh",
         "Công đoàn Khu kinh tế tỉnh", "Liên đoàn Lao động thành phố Hà Tĩnh",
         "Công đoàn Viên chức tỉnh"]
POSITIONS = ["Chủ tịch", "Phó Chủ tịch", "Ủy viên Ban Chấp hành", "Đoàn viên",
             "Trưởng ban Tuyên giáo"]


def make_photo(rng: random.Random) -> bytes:
    """A 600 x 800 JPEG that compresses like a real portrait (gradients and noise)."""
    from PIL import Image, ImageDraw, ImageFilter

    image = Image.new("RGB", (600, 800), tuple(rng.randrange(90, 220) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(600), rng.randrange(800)
        r = rng.randrange(20, 160)
        draw.ellipse((x - r, y - r, x + r, y + r),
                     fill=tuple(rng.randrange(30, 250) for _ in range(3)))
    image = image.filter(ImageFilter.GaussianBlur(6))
    noise = Image.effect_noise((600, 800), 24).convert("RGB")
    image = Image.blend(image, noise, 0.12)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def build_world(instance: Path, count: int):
    from conference import create_app
    from conference.congresses.models import Congress
    from conference.database import upgrade_database
    from conference.delegates.models import Delegate
    from conference.delegates.photos import process_photo, store_photo
    from conference.delegates.service import DelegateInput, categories, new_delegate_values
    from conference.extensions import db

    app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": "bench-secret",
                      "PUBLIC_URL": "https://daihoi.congdoanhatinh.vn", "MESSAGE_QUEUE": None,
                      "RATELIMIT_STORAGE_URL": "memory://"})
    upgrade_database(app)
    rng = random.Random(19)
    with app.app_context():
        existing = db.session.scalar(db.select(Congress).where(Congress.slug == "xix"))
        if existing is not None:  # a kept folder: reuse its delegates (caches stay warm)
            print("  (reusing the delegates, photos and caches already in this folder)")
            return app, existing.id
        congress = Congress(slug="xix", name="Đại hội Công đoàn tỉnh Hà Tĩnh lần thứ XIX, "
                                             "nhiệm kỳ 2023 – 2028",
                            starts_on=date(2023, 9, 27), ends_on=date(2023, 9, 28))
        db.session.add(congress)
        db.session.commit()
        categories(congress)
        rows = []
        for number in range(1, count + 1):
            name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            values = DelegateInput(
                code=f"DB{number:04d}", full_name=name,
                category="official" if number % 6 else "guest",
                unit=rng.choice(UNITS), position=rng.choice(POSITIONS),
                delegation=f"Đoàn {rng.choice(UNITS).split()[-1]}", seat=f"{'ABCDEF'[number % 6]}"
                f"{number % 50 + 1}")
            rows.append(new_delegate_values(congress, values))
        db.session.execute(db.insert(Delegate), rows)
        # Photos as the delegates page stores them (at most 600 px, JPEG).
        for delegate in db.session.scalars(db.select(Delegate)):
            delegate.photo = store_photo(delegate.id, process_photo(make_photo(rng)))
        db.session.commit()
        return app, congress.id


class MemorySampler:
    """The largest summed PSS (proportional set size: shared pages split between the processes
    that share them) of a process tree, sampled every 10 ms."""

    def __init__(self, root: int | None = None, include_root: bool = True):
        self.root = root or os.getpid()
        self.include_root = include_root
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def pss(pid: int) -> int:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
        return 0

    @staticmethod
    def _children(pid: int) -> list[int]:
        found = []
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{pid}/task").iterdir():
                with contextlib.suppress(OSError):
                    found += [int(c) for c in (task / "children").read_text().split()]
        return found

    def _tree(self) -> list[int]:
        pids, stack = [], [self.root]
        while stack:
            pid = stack.pop()
            if pid != self.root or self.include_root:
                pids.append(pid)
            stack += self._children(pid)
        return pids

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, sum(self.pss(pid) for pid in self._tree()))
            time.sleep(0.01)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def cpu_seconds() -> tuple[float, float]:
    """CPU time (user + system) of this process, and of its finished children."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime


def timed(function, runs: int) -> tuple[float, list[float], object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, result


def reportlab_drawer(app, congress_id: int, layout_key: str):
    """A function that draws the same badges plainly with ReportLab and returns its seconds,
    with the stored images read beforehand (as our renderer reads them from its caches);
    None when ReportLab is not installed (it is no dependency of the project)."""
    try:
        from reportlab.lib.units import mm
        from reportlab.lib.utils import ImageReader
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont
        from reportlab.pdfgen import canvas
    except ImportError:
        return None
    from conference import qr
    from conference.badges import service
    from conference.badges.identity import portal_url
    from conference.badges.render import LAYOUTS
    from conference.congresses.models import Congress
    from conference.delegates.photos import photo_path
    from conference.extensions import db
    from conference.urls import public_base_url

    layout = LAYOUTS[layout_key]
    fonts = "/usr/share/fonts/truetype/dejavu/"
    pdfmetrics.registerFont(TTFont("DejaVu", fonts + "DejaVuSans.ttf"))
    pdfmetrics.registerFont(TTFont("DejaVu-Bold", fonts + "DejaVuSans-Bold.ttf"))
    with app.app_context(), app.test_request_context():
        congress = db.session.get(Congress, congress_id)
        congress_name = congress.name
        delegates = service.select_delegates(congress, service.BadgeSelection())
        base = public_base_url()
        items = []
        for delegate in delegates:
            png = qr.qr_png(portal_url(delegate, base), service._cache_dir("qr"))
            path = photo_path(delegate)
            photo = service._photo_thumbnail(path) if path else None
            items.append((delegate.full_name, delegate.category, delegate.position,
                          delegate.unit, delegate.delegation, png, photo))

    def draw() -> tuple[float, float]:
        """Wall and CPU seconds of one drawing."""
        start, start_cpu = time.perf_counter(), time.process_time()
        out = io.BytesIO()
        pdf = canvas.Canvas(out, pagesize=(layout.page_width * mm, layout.page_height * mm))
        for index, (name, category, position, unit, delegation, png, photo) in enumerate(items):
            slot = index % layout.per_page
            if index and not slot:
                pdf.showPage()
            column, row = slot % layout.columns, slot // layout.columns
            x = (layout.margin_x + column * layout.width) * mm
            y = (layout.page_height - layout.margin_y - (row + 1) * layout.height) * mm
            pdf.setFillColor("#b3121b")
            pdf.rect(x, y + (layout.height - layout.band) * mm, layout.width * mm,
                     layout.band * mm, stroke=0, fill=1)
            pdf.rect(x, y, layout.width * mm, layout.foot * mm, stroke=0, fill=1)
            pdf.setFillColor("white")
            pdf.setFont("DejaVu-Bold", 7)
            pdf.drawCentredString(x + layout.width / 2 * mm, y + (layout.height - 6) * mm,
                                  congress_name[:70])
            pdf.drawString(x + 3 * mm, y + 2.3 * mm, category)
            body = y + (layout.height - layout.band - 1.5) * mm
            if photo:
                pdf.drawImage(ImageReader(io.BytesIO(photo)), x + 3 * mm,
                              body - layout.photo_height * mm, layout.photo_width * mm,
                              layout.photo_height * mm)
            pdf.drawImage(ImageReader(io.BytesIO(png)), x + (layout.width - 3 - layout.qr) * mm,
                          body - layout.qr * mm, layout.qr * mm, layout.qr * mm)
            pdf.setFillColor("black")
            tx = x + (3 + layout.photo_width + layout.gap) * mm
            pdf.setFont("DejaVu-Bold", 11)
            pdf.drawString(tx, body - 5 * mm, name[:28])
            pdf.setFont("DejaVu", 7.5)
            for line, text in enumerate((position, unit, delegation)):
                pdf.drawString(tx, body - (12 + 5 * line) * mm, text[:40])
        pdf.save()
        return time.perf_counter() - start, time.process_time() - start_cpu

    return draw


def stage_times(congress, layout, base: str, runs: int, backs: bool) -> dict[str, float]:
    """Median seconds of each stage of one print run, in this process (and a pool's start)."""
    import weasyprint

    from conference import pdf
    from conference.badges import service
    from conference.badges.render import RenderPool, merge_pdfs

    found: dict[str, list[float]] = {}

    def clock(name, function, *args, **kwargs):
        start = time.perf_counter()
        result = function(*args, **kwargs)
        found.setdefault(name, []).append(time.perf_counter() - start)
        return result

    for _ in range(runs):
        delegates = clock("database", service.select_delegates, congress,
                          service.BadgeSelection())
        views = clock("QR codes, photos, text fitting", service.badge_views, congress,
                      delegates, layout, base, "vi")
        document = clock("HTML (Jinja)", service.badges_html, congress, views, layout, "vi",
                         backs)
        html = clock("WeasyPrint: HTML parsing", weasyprint.HTML, string=document.html,
                     url_fetcher=pdf.url_fetcher(document.images))
        laid_out = clock("WeasyPrint: styles, images, fonts and layout", html.render)
        clock("WeasyPrint: PDF writing", laid_out.write_pdf)
        half = len(views) // 2 // layout.per_page * layout.per_page
        parts = [pdf.html_to_pdf(part.html, part.images) for part in (
            service.badges_html(congress, views[:half], layout, "vi", backs),
            service.badges_html(congress, views[half:], layout, "vi", backs))]
        clock("merging two parts (pypdf)", merge_pdfs, parts)

        def pool_start():
            with RenderPool(service.HELPERS) as pool:
                pool.executor.submit(int).result()

        clock("a helper's start-up and shut-down (WeasyPrint loaded)", pool_start)
    return {name: statistics.median(times) for name, times in found.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--layout", default="sheet")
    parser.add_argument("--no-backs", dest="backs", action="store_false",
                        help="the fronts alone, without the page of backs after each page")
    parser.add_argument("--keep", help="keep the instance (and write the PDF) in this folder")
    args = parser.parse_args()

    instance = Path(args.keep or tempfile.mkdtemp(prefix="bench-badges-"))
    instance.mkdir(parents=True, exist_ok=True)
    print(f"Building {args.count} delegates with photos in {instance} ...", flush=True)
    app, congress_id = build_world(instance, args.count)

    from conference.auth.service import Actor
    from conference.badges import service
    from conference.badges.render import LAYOUTS
    from conference.congresses.models import Congress
    from conference.delegates.models import Delegate
    from conference.extensions import db
    from conference.jobs.models import Job, JobStatus
    from conference.urls import public_base_url

    layout = LAYOUTS[args.layout]
    cores = os.cpu_count()
    print(f"\n{args.count} badges, layout {args.layout} ({layout.per_page} a page), "
          f"{'with' if args.backs else 'without'} backs, {cores} CPUs,"
          f" load average {os.getloadavg()[0]:.1f} at the start", flush=True)
    with app.app_context(), app.test_request_context():
        congress = db.session.get(Congress, congress_id)
        selection = service.BadgeSelection(layout=args.layout, locale="vi", backs=args.backs)
        base = public_base_url()

        def bulk(helpers=None):
            delegates = service.select_delegates(congress, selection)
            return service.render_badges(congress, delegates, layout, base, "vi",
                                         helpers=helpers, backs=args.backs)

        cached = (instance / "badge-cache").exists()
        cold, _times, pdf = timed(bulk, 1)
        print(f"  first run: {cold:.2f} s" + (
            " (QR codes and photo thumbnails were already in the folder's cache)" if cached
            else " (makes and stores the QR codes and photo thumbnails)"))
        draw_reportlab = reportlab_drawer(app, congress_id, args.layout)
        ours, ours_cpu, reference, reference_cpu, ratios = [], [], [], [], []
        for _round in range(args.runs):  # ours and the yardstick side by side, under one load
            before = cpu_seconds()
            wall, _t, pdf = timed(bulk, 1)
            ours.append(wall)
            after = cpu_seconds()
            ours_cpu.append((after[0] - before[0], after[1] - before[1]))
            if draw_reportlab is not None:
                seconds, cpu = draw_reportlab()
                reference.append(seconds)
                reference_cpu.append(cpu)
                ratios.append(wall / seconds)
        with MemorySampler(include_root=False) as workers_memory:  # its reads cost CPU: apart
            bulk()
        own_cpu = statistics.median(own for own, _helper in ours_cpu)
        helper_cpu = statistics.median(helper for _own, helper in ours_cpu)
        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        warm = statistics.median(ours)
        print(f"  print run, this process and a helper: median {warm:.2f} s of "
              f"{', '.join(f'{t:.2f}' for t in ours)} ({pages} pages, {len(pdf) / 1e6:.1f} MB)")
        # Both processes render, so on 2 idle cores a run takes about half their CPU time.
        idle_estimate = (own_cpu + helper_cpu) / 2
        print(f"    CPU per run (median): {own_cpu:.2f} s here (database, QR codes, HTML, "
              f"rendering, merge) + {helper_cpu:.2f} s in the helper; on 2 idle cores about "
              f"{idle_estimate:.2f} s")
        if draw_reportlab is None:
            print("  ReportLab: not installed, so no yardstick and no ratio (pip install "
                  "reportlab in the benchmark's environment; it is no project dependency)")
        else:
            print(f"  ReportLab drawing the same sheets plainly (stored PNG QR codes and "
                  f"photos), right after each of our runs: median "
                  f"{statistics.median(reference):.2f} s of "
                  f"{', '.join(f'{t:.2f}' for t in reference)} "
                  f"(CPU {statistics.median(reference_cpu):.2f} s)")
            print(f"    ours / ReportLab, run by run: median {statistics.median(ratios):.2f}x "
                  f"of {', '.join(f'{r:.2f}' for r in ratios)}; by CPU (ours on 2 idle cores "
                  f"/ ReportLab's): {idle_estimate / statistics.median(reference_cpu):.2f}x")
        print(f"    the helper's peak memory (PSS): {workers_memory.peak / 2**20:.0f} MB")
        if args.keep:
            (instance / f"badges-{args.layout}.pdf").write_bytes(pdf)

        print(f"  where the time goes, in one process (median of {args.runs}):")
        for name, seconds in stage_times(congress, layout, base, args.runs, args.backs).items():
            print(f"    {name}: {seconds:.3f} s")

        start_cpu = cpu_seconds()[0]
        one_process, _t, _pdf = timed(lambda: bulk(helpers=0), 1)
        print(f"  print run in one process, no helper: {one_process:.2f} s "
              f"(CPU {cpu_seconds()[0] - start_cpu:.2f} s)")

        delegate = db.session.get(Delegate, 1)

        def desk():
            return service.single_badge_pdf(Actor(_Admin(), source="bench"), delegate, base,
                                            layout="a6", locale="vi", backs=args.backs)

        desk()  # warm: WeasyPrint imported, fonts loaded
        single, single_times, _ = timed(desk, 20)
        print(f"  one badge at the desk (A6, warm process): median {single * 1000:.0f} ms "
              f"(min {min(single_times) * 1000:.0f}, max {max(single_times) * 1000:.0f})")

    # The organizer page's path: a job run by a consumer process, polled as the page does.
    import subprocess

    env = {key: value for key, value in os.environ.items() if not key.startswith("CONFERENCE_")}
    env |= {"CONFERENCE_INSTANCE_PATH": str(instance), "CONFERENCE_SECRET_KEY": "bench-secret",
            "CONFERENCE_PUBLIC_URL": "https://daihoi.congdoanhatinh.vn"}
    consumer = subprocess.Popen([sys.executable, "-m", "conference.jobs.consumer"], env=env,
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
    try:
        time.sleep(2)  # the consumer's start-up, not counted
        with MemorySampler(root=consumer.pid) as idle:
            time.sleep(0.5)
        with app.app_context():
            congress = db.session.get(Congress, congress_id)
            job_times, job_peaks = [], []
            for _ in range(args.runs):
                start = time.perf_counter()
                job = service.start_badge_job(Actor(_Admin(), source="bench"), congress,
                                              service.BadgeSelection(layout=args.layout,
                                                                     locale="vi",
                                                                     backs=args.backs),
                                              "https://daihoi.congdoanhatinh.vn")
                with MemorySampler(root=consumer.pid) as job_memory:
                    while True:
                        db.session.rollback()  # a fresh snapshot of the job's row
                        status = db.session.get(Job, job.id).status
                        if status in (JobStatus.DONE, JobStatus.FAILED):
                            break
                        time.sleep(0.02)
                job_times.append(time.perf_counter() - start)
                job_peaks.append(job_memory.peak)
                if status == JobStatus.FAILED:
                    print(f"  job failed: {db.session.get(Job, job.id).error}")
                    break
    finally:
        consumer.terminate()
        consumer.wait()
    print(f"  as a job run by a consumer process (its worker + a helper), from the click "
          f"to done: median {statistics.median(job_times):.2f} s of "
          f"{', '.join(f'{t:.2f}' for t in job_times)}")
    print(f"    peak memory of the consumer and its processes (summed PSS): "
          f"{max(job_peaks) / 2**20:.0f} MB, of which the job's: "
          f"{(max(job_peaks) - idle.peak) / 2**20:.0f} MB (idle, with its workers and "
          f"scheduler: {idle.peak / 2**20:.0f} MB)")

    load = os.getloadavg()[0]
    print(f"  load average at the end {load:.1f}"
          + (f": other work shared the {cores} CPUs, wall times are inflated" if load > 1 else ""))
    targets = [("300 badges <= 2 s", warm <= 2.0),
               *([("<= 1.4x ReportLab", statistics.median(ratios) <= 1.4)] if ratios else []),
               ("the job's peak < 300 MB", max(job_peaks) - idle.peak < 300 * 2**20),
               ("one badge < 100 ms", single < 0.1)]
    print("  targets: " + "; ".join(f"{name}: {'met' if ok else 'MISSED'}"
                                    for name, ok in targets))


class _Admin:
    """Stands in for a signed-in administrator (the bench checks speed, not rights)."""

    is_admin = True
    id = None
    username = "bench"


if __name__ == "__main__":
    main()
