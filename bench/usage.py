"""CPU time and peak memory of the venue's processes (nginx, each app process and its worker,
the consumer and the workers it forks), sampled from /proc while a benchmark runs, so children
that come and go (a print run's render pool) are counted too.

    usage = Usage(venue.process_ids()); usage.start()
    usage.mark()   # the measured part begins: CPU is counted from here
    usage.stop(); usage.report()
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


@dataclass
class Seen:
    label: str
    name: str
    parent: int
    cpu: float = 0.0  # seconds, user + system, at the last sample
    cpu_at_mark: float | None = None
    peak_kb: int = 0  # the kernel's high-water mark (VmHWM), else the largest RSS sampled
    alive: bool = True


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(command name, parent pid, CPU seconds) of a process, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = text[text.index("(") + 1:text.rindex(")")]
    fields = text.rsplit(")", 1)[1].split()
    return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def _peak_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Usage:
    """Samples every process under the given roots every `interval` seconds."""

    def __init__(self, roots: dict[str, int], interval: float = 0.5):
        self.roots, self.interval = roots, interval
        self.seen: dict[int, Seen] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Usage:
        self.sample()
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        parents: dict[int, int] = {}
        stats: dict[int, tuple[str, int, float]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                stat = _stat(int(entry.name))
                if stat is not None:
                    stats[int(entry.name)] = stat
                    parents[int(entry.name)] = stat[1]
        labels: dict[int, str] = {}
        for label, root in self.roots.items():
            labels[root] = label
        changed = True
        while changed:  # children of labelled processes take their label, to any depth
            changed = False
            for pid, parent in parents.items():
                if pid not in labels and parent in labels:
                    labels[pid] = labels[parent]
                    changed = True
        with self._lock:
            for seen in self.seen.values():
                seen.alive = False
            for pid, label in labels.items():
                name, _parent, cpu = stats[pid]
                seen = self.seen.setdefault(pid, Seen(label, name, _parent))
                seen.cpu, seen.alive = cpu, True
                seen.peak_kb = max(seen.peak_kb, _peak_kb(pid))

    def mark(self) -> None:
        """The measured part begins: CPU seconds are counted from here (processes born later
        count from zero)."""
        self.sample()
        with self._lock:
            for seen in self.seen.values():
                seen.cpu_at_mark = seen.cpu

    def stop(self) -> None:
        self.sample()
        self._stop.set()
        self._thread.join(5)

    def rows(self) -> list[tuple[str, str, int, float, float, int]]:
        """(label, role, processes, CPU s since mark, CPU s in all, peak RSS KB) per part: a
        root, its first child (gunicorn's worker, nginx's worker), and the rest together."""
        rows = []
        with self._lock:
            for label, root in self.roots.items():
                members = {pid: seen for pid, seen in self.seen.items() if seen.label == label}
                groups: dict[str, list[Seen]] = {}
                for pid, seen in members.items():
                    role = ("main" if pid == root else "worker" if seen.parent == root
                            else "children")
                    groups.setdefault(role, []).append(seen)
                for role in ("main", "worker", "children"):
                    if role in groups:
                        group = groups[role]
                        rows.append((label, role, len(group),
                                     sum(s.cpu - (s.cpu_at_mark or 0) for s in group),
                                     sum(s.cpu for s in group),
                                     max(s.peak_kb for s in group)))
        return rows

    def report(self, title: str = "server processes") -> None:
        """The table; the benchmark's own client processes (labels "client ...") come last,
        apart, for reference."""
        print(f"\n{title}")
        print(f"  {'process':22} {'n':>3} {'CPU measured':>13} {'CPU in all':>11} "
              f"{'peak RSS':>10}")
        rows = self.rows()
        servers = [row for row in rows if not row[0].startswith("client")]
        clients = [row for row in rows if row[0].startswith("client")]
        for label, role, count, measured, total, peak in servers + clients:
            if clients and (label, role) == clients[0][:2]:
                print("  the benchmark's clients, for reference (not the venue's):")
            name = f"{label} {role}"
            print(f"  {name:22} {count:3d} {measured:11.2f} s {total:9.2f} s "
                  f"{peak / 1024:7.1f} MB")

