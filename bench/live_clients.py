"""Phones and kiosks for the venue benchmarks: Socket.IO over a TLS WebSocket through nginx,
spoken as Engine.IO 4 packets with the `websockets` library, many per asyncio loop, each bound
to a loopback address of its own choosing (nginx's ip_hash picks the app process by it).

A client notes what the benchmarks time: on `/live`, every `agenda_current` (or the older
`agenda_state`) whose revision is higher than the last one it saw, and every
`presence_changed`; on `/screens`, every `screen_state` (its version, the scene's heading and
the attendance it shows). Kiosks answer `rendered` a random moment (up to 1 s) after each state
and beat every 15 s, as kiosk.js does.
"""

from __future__ import annotations

import asyncio
import json
import random
import ssl
import time
from dataclasses import dataclass

AGENDA_EVENTS = ("agenda_current", "agenda_state")  # the new small push, and the old full one
REPORT_SPREAD = 1.0
HEARTBEAT = 15.0


@dataclass(frozen=True)
class Spec:
    """One client: where it connects from and what it says on connecting."""

    namespace: str  # "/live" or "/screens"
    auth: dict
    source: str  # a loopback address, 127.0.N.1
    tag: int = 0  # the benchmark's own number for it (a delegate id, a screen number)
    url: str = ""  # where it connects, when not the address all the others use


def shown_present(scene: dict | None) -> int | None:
    """The delegates present an attendance scene shows (those counted and the others)."""
    if not scene or scene.get("type") != "attendance":
        return None
    return (scene.get("quorum") or {}).get("present", 0) + (
        scene.get("not_counted") or {}).get("present", 0)


async def run_client(url: str, context: ssl.SSLContext, spec: Spec, out: dict, connected,
                     ready: asyncio.Event) -> None:
    """Connect, join the namespace and note pushes in `out["records"]` until cancelled."""
    from websockets.asyncio.client import connect

    namespace, records = spec.namespace, out["records"]
    last_revision = -1
    tasks: set[asyncio.Task] = set()
    try:
        url = spec.url or url
        async with connect(url, ssl=context if url.startswith("wss:") else None,
                           local_addr=(spec.source, 0), max_size=None, open_timeout=120,
                           ping_interval=None, compression=None) as socket:
            await socket.recv()  # the Engine.IO open packet
            await socket.send(f"40{namespace}," + json.dumps(spec.auth))

            async def later(delay: float, packet: str) -> None:
                await asyncio.sleep(delay)
                await socket.send(packet)

            async def beat() -> None:
                while True:
                    await asyncio.sleep(HEARTBEAT * (0.5 + random.random() / 2))
                    await socket.send(f'42{namespace},["heartbeat",{{}}]')

            async for message in socket:
                if message == "2":
                    await socket.send("3")
                    continue
                if message.startswith(f"42{namespace},"):
                    arrived = time.time()
                    name, payload = json.loads(message[len(namespace) + 3:])[:2]
                    if name in AGENDA_EVENTS:
                        revision = payload.get("revision", -1)
                        if revision > last_revision:
                            if last_revision >= 0:
                                records.append(("agenda", revision, arrived))
                            last_revision = revision
                    elif name == "presence_changed":
                        records.append(("presence", spec.tag, arrived))
                    elif name == "screen_state":
                        scene = payload.get("scene") or {}
                        records.append(("screen", payload.get("version"),
                                        scene.get("heading", ""), shown_present(scene),
                                        arrived))
                        task = asyncio.create_task(later(
                            random.random() * REPORT_SPREAD,
                            f'42{namespace},["rendered",{{"version":{payload["version"]}}}]'))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
                elif message.startswith(f"40{namespace}"):
                    out["joined"] = time.time()
                    connected()
                    if namespace == "/screens":
                        task = asyncio.create_task(beat())
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
                elif message.startswith(f"44{namespace}"):
                    out["errors"].append(f"refused: {message[:120]}")
                    return
                elif message.startswith(("41", "1")):
                    out["errors"].append(f"sent away by the server: {message[:60]}")
                    return
            if not ready.is_set():
                out["errors"].append("connection closed by the server")
    except asyncio.CancelledError:
        raise
    except Exception as error:  # every failure is a figure of the run
        out["errors"].append(f"{type(error).__name__}: {error}"[:200])
    finally:
        for task in tasks:
            task.cancel()


def client_process(url: str, ca_file: str, specs: list[Spec], spread: float, connected_count,
                   done, results) -> None:
    """Run SPECS' clients in one asyncio loop, connecting over `spread` seconds; when `done` is
    set, put [{"spec", "records", "errors", "joined"}] on `results`."""
    context = ssl.create_default_context(cafile=ca_file)
    outs = [{"spec": spec, "records": [], "errors": [], "joined": None} for spec in specs]

    def on_connect():
        with connected_count.get_lock():
            connected_count.value += 1

    async def main():
        ending = asyncio.Event()
        tasks = []
        for spec, out in zip(specs, outs, strict=True):
            tasks.append(asyncio.create_task(run_client(url, context, spec, out, on_connect,
                                                        ending)))
            await asyncio.sleep(spread / max(len(specs), 1))
        while not done.is_set():
            await asyncio.sleep(0.1)
        ending.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(main())
    results.put(outs)
