"""Run a function in a child process with a memory and a CPU-time limit; children that die
with their parent.

For work whose cost the input decides (a workbook someone built to exhaust the server): when a
limit is reached, the child dies alone and the caller gets `LimitExceeded`, not the whole
consumer. The child is forked, so the function and its arguments need not be picklable, and it
shares the caller's app context and language; it must not use the database or WeasyPrint (their
connections and threads do not survive a fork). Its result comes back pickled.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import resource
import signal
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
WALL_FACTOR = 3  # a busy machine gives the child less than all of its wall time
PR_SET_PDEATHSIG = 1  # linux/prctl.h


class LimitExceeded(Exception):
    """The child used more memory or CPU time than allowed; `limit` says which."""

    def __init__(self, limit: str):
        super().__init__(f"{limit} limit exceeded")
        self.limit = limit  # "memory" or "time"


def run_limited(function: Callable[..., T], *args: Any, memory_mb: int, seconds: int) -> T:
    """`function(*args)` in a forked child that may use `memory_mb` more memory than this
    process does now and `seconds` of CPU time; its exceptions are raised here."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(os.getpid(), sender, function, args,
                                                  memory_mb, seconds), daemon=True)
    child.start()
    sender.close()
    outcome = None
    try:
        if receiver.poll(seconds * WALL_FACTOR):
            outcome = receiver.recv()
    except EOFError:  # it died before answering
        outcome = None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    if outcome is None:
        raise LimitExceeded("time")  # killed by SIGXCPU, or still busy at the wall deadline
    status, value = outcome
    if status == "memory":
        raise LimitExceeded("memory")
    if status == "error":
        raise value
    return value


def die_with_parent(parent: int, then: Callable[[], object] | None = None) -> None:
    """Have the kernel kill this process when its parent `parent` dies (Linux; elsewhere
    nothing), then call `then`: a child process left running by a killed consumer would go
    on working (and taking jobs) for nobody."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        prctl = None
    if prctl is not None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # it died before the request took effect
            os._exit(1)
    if then is not None:
        then()


def _child(parent: int, sender, function, args, memory_mb: int, seconds: int) -> None:
    die_with_parent(parent)
    page = os.sysconf("SC_PAGE_SIZE")
    with open("/proc/self/statm") as statm:
        mapped = int(statm.read().split()[0]) * page
    _lower(resource.RLIMIT_AS, mapped + memory_mb * 1024 * 1024)
    _lower(resource.RLIMIT_CPU, seconds)
    try:
        outcome = ("ok", function(*args))
    except MemoryError:
        outcome = ("memory", None)
    except Exception as error:  # the caller raises it
        outcome = ("error", error)
    try:
        sender.send(outcome)
    except MemoryError:  # the result itself did not fit
        sender.send(("memory", None))
    sender.close()


def _lower(which: int, soft: int) -> None:
    """Set a soft limit, never above the hard one."""
    _soft, hard = resource.getrlimit(which)
    resource.setrlimit(which, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
