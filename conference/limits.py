"""Run a function in a child process with a memory and a CPU-time limit.

For work whose cost the input decides (a workbook someone built to exhaust the server): when a
limit is reached, the child dies alone and the caller gets `LimitExceeded`, not the whole
consumer. The child is forked, so the function and its arguments need not be picklable, and it
shares the caller's app context and language; it must not use the database or WeasyPrint (their
connections and threads do not survive a fork). Its result comes back pickled.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
WALL_FACTOR = 3  # a busy machine gives the child less than all of its wall time


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
    child = context.Process(target=_child, args=(sender, function, args, memory_mb, seconds),
                            daemon=True)
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


def _child(sender, function, args, memory_mb: int, seconds: int) -> None:
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
