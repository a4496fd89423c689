"""The signals features use to tell each other what happened.

Each is sent only after the change is committed, so a receiver always reads committed data.
Receivers must not raise: a failing receiver would hide the change from the others.
"""

from blinker import Namespace

_signals = Namespace()

agenda_changed = _signals.signal("agenda_changed")
"""The agenda of a congress changed: its sessions, items, order or current item.

Sender: the `Congress`. Keyword `kind`: "structure" (sessions or items edited, reordered,
added, removed, published) or "current" (the current item moved). Keyword `actor`: who did it.
"""

delegate_checked_in = _signals.signal("delegate_checked_in")
"""A delegate was checked in (or a check-in undone). Sender: the `Congress`."""

stream_changed = _signals.signal("stream_changed")
"""A livestream was added, edited, removed or changed status. Sender: the `Congress`.

Keyword `stream`: the `Stream` (after "delete" it is gone from the database: read nothing from
it). Keyword `kind`: "create", "update", "status" (only status or replay link) or "delete".
Keyword `actor`: who did it. `congress.streams_revision` has already grown by one.
"""
