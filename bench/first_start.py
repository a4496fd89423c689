"""How long a new user waits on the first start: `python app.py` on an empty instance folder,
from the command to the first page served, and the first-start work alone (migrations, the
administrator, the demo congress) in one process. Medians of --runs fresh instance folders.

    python bench/first_start.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.serving import free_port  # noqa: E402


def until_first_page(instance: Path) -> float:
    """Seconds from `python app.py` to the demo's public page served (with its 300 delegates)."""
    port = free_port()
    env = os.environ | {"CONFERENCE_INSTANCE_PATH": str(instance), "PYTHONUNBUFFERED": "1"}
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for line in process.stdout:
            if line.startswith("Serving on "):
                break
        else:
            raise SystemExit(f"app.py ended before serving (exit {process.wait()})")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/c/dai-hoi-xix", timeout=60) as page:
            assert page.status == 200
        return time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(timeout=30)


def first_start_work(instance: Path) -> tuple[float, float]:
    """Seconds of prepare_first_start in a fresh process, and of its demo part alone."""
    code = (
        "import time\n"
        "from conference import create_app\n"
        "from conference.database import prepare_first_start, upgrade_database\n"
        "import conference.demo as demo\n"
        "app = create_app(); upgrade_database(app)\n"
        "load = demo.load_demo; spent = []\n"
        "def timed():\n"
        "    t = time.perf_counter(); result = load(); spent.append(time.perf_counter() - t)\n"
        "    return result\n"
        "demo.load_demo = timed\n"
        "t = time.perf_counter(); prepare_first_start(app)\n"
        "print(time.perf_counter() - t, spent[0])\n")
    env = os.environ | {"CONFERENCE_INSTANCE_PATH": str(instance)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    return float(out[-2]), float(out[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    served, work, demo = [], [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            served.append(until_first_page(Path(folder) / "instance"))
        with tempfile.TemporaryDirectory() as folder:
            total, loading = first_start_work(Path(folder) / "instance")
            work.append(total)
            demo.append(loading)
    print(f"python app.py to the demo's page: median {statistics.median(served):.2f} s "
          f"(runs {', '.join(f'{s:.2f}' for s in served)})")
    print(f"first-start work (migrations, admin, demo): median {statistics.median(work):.2f} s; "
          f"the demo congress alone {statistics.median(demo):.2f} s")


if __name__ == "__main__":
    main()
