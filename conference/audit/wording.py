"""The audit log in people's words: an action's label and its details as "field: value" lines.

Entries keep machine codes ("delegate.update", {"unit": "..."}) so they can be filtered and
exported; the page reads them through here, in the reader's language. A code without a label
still shows, as itself: a new action is never hidden.
"""

from __future__ import annotations

from flask_babel import lazy_gettext

from conference.i18n import format_size

ACTIONS = {
    "auth.sign_in": lazy_gettext("Signed in"),
    "auth.sign_in_failed": lazy_gettext("Sign-in failed"),
    "user.create": lazy_gettext("Account created"),
    "user.update": lazy_gettext("Account changed"),
    "user.password": lazy_gettext("Password changed"),
    "role.grant": lazy_gettext("Role given"),
    "role.revoke": lazy_gettext("Role taken away"),
    "token.create": lazy_gettext("API token created"),
    "token.revoke": lazy_gettext("API token revoked"),
    "congress.create": lazy_gettext("Congress created"),
    "congress.update": lazy_gettext("Congress changed"),
    "congress.delete": lazy_gettext("Congress deleted"),
    "congress.demo": lazy_gettext("Demo congress loaded"),
    "session.create": lazy_gettext("Session added"),
    "session.update": lazy_gettext("Session changed"),
    "session.delete": lazy_gettext("Session deleted"),
    "item.create": lazy_gettext("Agenda item added"),
    "item.update": lazy_gettext("Agenda item changed"),
    "item.delete": lazy_gettext("Agenda item deleted"),
    "agenda.arrange": lazy_gettext("Agenda reordered"),
    "agenda.current": lazy_gettext("Current item moved"),
    "delegate.create": lazy_gettext("Delegate registered"),
    "delegate.update": lazy_gettext("Delegate changed"),
    "delegate.delete": lazy_gettext("Delegate deleted"),
    "delegate.photo": lazy_gettext("Delegate photo changed"),
    "delegate.photo_remove": lazy_gettext("Delegate photo removed"),
    "delegate.export": lazy_gettext("Delegate list downloaded"),
    "delegate.import": lazy_gettext("Delegate list imported"),
    "delegate.badge_reissue": lazy_gettext("Badge replaced"),
    "badge.print": lazy_gettext("Badge printed"),
    "badges.print": lazy_gettext("Badges printed"),
    "checkin.undo": lazy_gettext("Check-in undone"),
    "document.create": lazy_gettext("Document added"),
    "document.version": lazy_gettext("New document version"),
    "document.update": lazy_gettext("Document changed"),
    "document.delete": lazy_gettext("Document deleted"),
    "document.reads_export": lazy_gettext("Read log downloaded"),
    "document.comment": lazy_gettext("Comment on a draft"),
    "document.comment_handled": lazy_gettext("Comment marked handled"),
    "document.comments_export": lazy_gettext("Comments downloaded"),
    "stream.create": lazy_gettext("Livestream added"),
    "stream.update": lazy_gettext("Livestream changed"),
    "stream.status": lazy_gettext("Livestream status changed"),
    "stream.delete": lazy_gettext("Livestream deleted"),
    "screen.create": lazy_gettext("Screen added"),
    "screen.update": lazy_gettext("Screen changed"),
    "screen.delete": lazy_gettext("Screen deleted"),
    "screen.kiosk_url": lazy_gettext("Kiosk address replaced"),
    "screen.image_upload": lazy_gettext("Scene image uploaded"),
    "screen.scene_create": lazy_gettext("Scene saved"),
    "screen.scene_update": lazy_gettext("Scene changed"),
    "screen.scene_delete": lazy_gettext("Scene deleted"),
    "screen.playlist_create": lazy_gettext("Playlist created"),
    "screen.playlist_update": lazy_gettext("Playlist changed"),
    "screen.playlist_delete": lazy_gettext("Playlist deleted"),
    "screen.take": lazy_gettext("Scene put on screens"),
    "screen.playlist": lazy_gettext("Playlist started on screens"),
    "screen.blackout": lazy_gettext("Screens blacked out"),
    "screen.flash": lazy_gettext("Flash message shown"),
    "screen.flash_clear": lazy_gettext("Flash message cleared"),
    "screen.next": lazy_gettext("Next playlist step"),
    "screen.previous": lazy_gettext("Previous playlist step"),
    "site.public_url": lazy_gettext("Public address changed"),
    "category.save": lazy_gettext("Delegate category saved"),
    "mailing.send": lazy_gettext("Portal links e-mailed"),
    "mailing.letters": lazy_gettext("Portal letters printed"),
    "speaker.add": lazy_gettext("Speaker added to a list"),
    "speaker.update": lazy_gettext("Speaker changed"),
    "speaker.remove": lazy_gettext("Speaker removed from a list"),
    "speaker.move": lazy_gettext("Speakers reordered"),
    "speaker.call": lazy_gettext("Speaker called"),
    "speaker.start": lazy_gettext("Speaker's timer started"),
    "speaker.pause": lazy_gettext("Speaker's timer paused"),
    "speaker.stop": lazy_gettext("Speaker's timer stopped"),
    "speakers.close": lazy_gettext("List of speakers closed"),
    "speakers.reopen": lazy_gettext("List of speakers reopened"),
    "speakers.settings": lazy_gettext("Speaking times changed"),
    "speakers.demo": lazy_gettext("Demo lists of speakers added"),
    "vote.create": lazy_gettext("Vote set up"),
    "vote.open": lazy_gettext("Vote opened"),
    "vote.counts": lazy_gettext("Card counts entered"),
    "vote.close": lazy_gettext("Vote closed"),
    "vote.delete": lazy_gettext("Vote deleted"),
    "vote.demo": lazy_gettext("Demo votes added"),
    "election.create": lazy_gettext("Election set up"),
    "election.update": lazy_gettext("Election changed"),
    "election.ballots": lazy_gettext("Ballots issued"),
    "election.entry": lazy_gettext("Ballot entered"),
    "election.withdraw_entry": lazy_gettext("Ballot entry taken back"),
    "election.settle": lazy_gettext("Differing entries settled"),
    "election.publish": lazy_gettext("Election result published"),
}

FIELDS = {
    "title": lazy_gettext("Title"),
    "name": lazy_gettext("Name"),
    "full_name": lazy_gettext("Full name"),
    "code": lazy_gettext("Code"),
    "unit": lazy_gettext("Unit"),
    "position": lazy_gettext("Position"),
    "delegation": lazy_gettext("Delegation"),
    "category_id": lazy_gettext("Category"),
    "role": lazy_gettext("Role"),
    "url": lazy_gettext("Address"),
    "status": lazy_gettext("Status"),
    "file": lazy_gettext("File"),
    "size": lazy_gettext("Size"),
    "version": lazy_gettext("Version"),
    "rows": lazy_gettext("Rows"),
    "created": lazy_gettext("Created"),
    "updated": lazy_gettext("Updated"),
    "format": lazy_gettext("Format"),
    "badges": lazy_gettext("Number of badges"),
    "layout": lazy_gettext("Layout"),
    "backs": lazy_gettext("Backs with the voting PIN"),
    "serial": lazy_gettext("Badge number"),
    "starts_at": lazy_gettext("Starts"),
    "ends_at": lazy_gettext("Ends"),
    "room": lazy_gettext("Room"),
    "presenter": lazy_gettext("Presenter"),
    "text": lazy_gettext("Text"),
    "from": lazy_gettext("From"),
    "to": lazy_gettext("To"),
    "delegate": lazy_gettext("Delegate"),
    "scope": lazy_gettext("Scope"),
    "gate": lazy_gettext("Gate"),
    "is_admin": lazy_gettext("Administrator"),
    "can_create_congresses": lazy_gettext("May create congresses"),
    "active": lazy_gettext("Active"),
    "display_name": lazy_gettext("Display name"),
    "prefix": lazy_gettext("Token"),
    "words": lazy_gettext("Words that mean it"),
    "label_vi": lazy_gettext("Name in Vietnamese"),
    "label_en": lazy_gettext("Name in English"),
    "recipients": lazy_gettext("Recipients"),
    "letters": lazy_gettext("Letters"),
    "before": lazy_gettext("Before"),
    "after": lazy_gettext("After"),
}

TARGETS = {
    "user": lazy_gettext("Account"),
    "congress": lazy_gettext("Congress"),
    "delegate": lazy_gettext("Delegate"),
    "session": lazy_gettext("Session"),
    "item": lazy_gettext("Agenda item"),
    "document": lazy_gettext("Document"),
    "stream": lazy_gettext("Livestream"),
    "screen": lazy_gettext("Screen"),
    "site": lazy_gettext("Site setting"),
    "category": lazy_gettext("Category"),
    "speaker": lazy_gettext("Speaker"),
    "vote": lazy_gettext("Vote"),
    "election": lazy_gettext("Election"),
}

SOURCES = {
    "web": lazy_gettext("web page"),
    "api": lazy_gettext("API"),
    "cli": lazy_gettext("command line"),
    "socket": lazy_gettext("live console"),
}

YES, NO = lazy_gettext("yes"), lazy_gettext("no")
MAX_VALUE = 120  # characters of one value shown; the export keeps them whole


def action_label(code: str) -> str:
    return str(ACTIONS.get(code, code))


def action_choices() -> list[tuple[str, str]]:
    """(code, label) of every known action, by label, for the log's filter."""
    return sorted(((code, str(label)) for code, label in ACTIONS.items()), key=lambda c: c[1])


def target_label(target: str) -> str:
    """ "delegate:DB0005,delegate:DB0007" reads "Delegate DB0005, Delegate DB0007"."""
    parts = []
    for part in filter(None, target.split(",")):
        kind, _, key = part.partition(":")
        parts.append(f"{TARGETS[kind]} {key}" if key and kind in TARGETS else part)
    return ", ".join(parts)


def source_label(source: str) -> str:
    return str(SOURCES.get(source, source))


def detail_lines(details: dict | None) -> list[tuple[str, str]]:
    """Each detail as (field label, value), in the order it was recorded."""
    lines = []
    for key, value in (details or {}).items():
        if isinstance(value, bool):
            shown = str(YES if value else NO)
        elif key == "size" and isinstance(value, int):
            shown = format_size(value)
        elif isinstance(value, dict):
            shown = ", ".join(f"{name}: {part}" for name, part in value.items())
        elif isinstance(value, list):
            shown = ", ".join(map(str, value))
        else:
            shown = str(value)
        if len(shown) > MAX_VALUE:
            shown = shown[:MAX_VALUE - 1] + "…"
        lines.append((str(FIELDS.get(key, key.replace("_", " "))), shown))
    return lines
