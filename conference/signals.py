"""The signals features use to tell each other what happened.

Each is sent only after the change is committed, so a receiver always reads committed data.
A receiver that raises is logged and counted (`conference.live.failures`) and the others still
run: the change is committed, so its request answers as if nothing had gone wrong.
"""

from __future__ import annotations

from blinker import NamedSignal

from conference.live import receiver_failed


class Signal(NamedSignal):
    """A signal whose receivers can neither fail the sender nor keep each other from running."""

    def send(self, sender=None, /, **kwargs) -> list:
        results = []
        for receiver in self.receivers_for(sender):
            try:
                results.append((receiver, receiver(sender, **kwargs)))
            except Exception:
                receiver_failed(self.name, receiver)
        return results


agenda_changed = Signal("agenda_changed")
"""The agenda of a congress changed: its sessions, items, order or current item.

Sender: the `Congress`. Keyword `kind`: "structure" (sessions or items edited, reordered,
added, removed, published) or "current" (the current item moved). Keyword `actor`: who did it.
"""

delegate_checked_in = Signal("delegate_checked_in")
"""A delegate was checked in (or a check-in undone). Sender: the `Congress`.

Keywords: `delegate`, `checkin` (the new `CheckIn`, or None when one was undone), `actor`.
"""

delegates_changed = Signal("delegates_changed")
"""Delegates of a congress were registered, edited, withdrawn, deleted or imported, so who is
expected may have changed. Sender: the `Congress`. Keyword `actor` (None for a finished job).
"""

job_finished = Signal("job_finished")
"""A job ended in the consumer process. Its changes were committed there, but the signals it sent
reached only the consumer's receivers (no message queue joins the processes), so the web process
that started the job sends this once the job is over (with a message queue the job's own pushes
reach every page, and this is not sent). Sender: the `Congress`. Keyword `job`: the finished
`Job`, read again from the database.
"""

stream_changed = Signal("stream_changed")
"""A livestream was added, edited, removed or changed status. Sender: the `Congress`.

Keyword `stream`: the `Stream` (after "delete" it is gone from the database: read nothing from
it; None after "sessions"). Keyword `kind`: "create", "update", "status" (only status or replay
link), "delete" or "sessions" (the agenda's sessions changed: a deleted session's streams now
belong to the whole congress). Keyword `actor`: who did it. `congress.streams_revision` has
already grown by one.
"""

screens_changed = Signal("screens_changed")
"""What screens show, or the screens themselves, changed. Sender: the `Congress`.

Keywords: `screen_ids` (the screens to push again; a deleted one is gone), `kind` ("state":
what they show changed and `state_version` grew; "setup": scenes or screens added; "revoked":
a kiosk URL was replaced or the screen deleted, keyword `revoked` the old token's hash),
`actor`.
"""

client_joined = Signal("client_joined")
"""A live page joined a congress's room on the `/live` namespace (the public page, a badge's
portal). Sender: the `Congress`. Keywords `namespace` and `auth` (what the client sent to
connect, a dict; the portal's page adds its badge token). Receivers run inside the connect
handler, so `flask_socketio.emit` and `join_room` reach only the client that joined: each feature
greets it with its own current state (the livestreams send theirs).
"""

proceedings_changed = Signal("proceedings_changed")
"""Something the congress's proceedings show changed: a list of speakers or its timer, a vote
(opened, a ballot cast, closed), an election's published result. Sender: the `Congress`.
Keyword `kind`: "speakers", "votes" or "elections" (the `data_kind` of the scene types that show
it: screens showing one are pushed again). Keyword `actor`: who did it (None for a delegate's
portal or a timer).
"""
