"""The demo's elections: the executive committee's (15 candidates for 11 seats, ballots issued in
two batches, most counted twice, one ballot the clerks read differently waiting for the head, a
few waiting for their second entry) and a small one counted and published, so the counting page,
the head's page, the result, the record and the election scene all have something to show.

The clerks are two accounts of the counting committee, switched off (nobody signs in as them)
until an administrator gives them a password."""

from __future__ import annotations

import random

from sqlalchemy import select

from conference.actors import SYSTEM
from conference.auth.models import Membership, Role, User
from conference.congresses.models import Congress
from conference.delegates.models import Delegate
from conference.displays.models import Scene
from conference.elections.models import BallotEntry
from conference.elections.service import batch_serials, create_election, issue_ballots, publish
from conference.extensions import db

EXECUTIVE = ("Bầu Ban Chấp hành Liên đoàn Lao động tỉnh Hà Tĩnh khóa XIX, nhiệm kỳ 2023-2028",
             11, 15)  # title, seats, candidates
DELEGATION = ("Bầu đoàn đại biểu đi dự Đại hội XIII Công đoàn Việt Nam", 3, 4)
# A hash no password matches: the account signs in once an administrator sets a password.
NO_PASSWORD = "!"  # noqa: S105
CLERKS = (("demo-kiem-phieu-1", "Thư ký kiểm phiếu 1", Role.COUNTING),
          ("demo-kiem-phieu-2", "Thư ký kiểm phiếu 2", Role.COUNTING))


def _clerks(congress: Congress) -> list[User]:
    clerks = []
    for username, name, role in CLERKS:
        user = User(username=f"{username}-{congress.id}", display_name=name,
                    password_hash=NO_PASSWORD, active=False)
        db.session.add(user)
        db.session.add(Membership(user=user, congress_id=congress.id, role=role))
        clerks.append(user)
    db.session.flush()
    return clerks


def _crossed(rng: random.Random, candidates: list[int], seats: int) -> list[int]:
    """A delegate's ballot: the less liked (the end of the list) crossed out more often; now
    and then one keeping too many names."""
    least = len(candidates) - seats
    count = least - 2 if rng.random() < 0.02 else rng.randint(least, least + 1)
    weights = [(1 + position) ** 2 for position in range(len(candidates))]
    crossed: set[int] = set()
    while len(crossed) < max(count, 0):
        crossed.add(rng.choices(candidates, weights)[0])
    return sorted(crossed)


def _count(election, clerks: list[User], serials: list[str], rng: random.Random,
           twice: int, once: int = 0, mismatched: int = 0) -> None:
    """Both clerks enter the first `twice` ballots (the second misreading `mismatched` of
    them), the first clerk the next `once`."""
    candidates = [candidate.id for candidate in election.candidates]
    desks = {clerk.id: f"Bàn {number}" for number, clerk in enumerate(clerks, start=1)}
    for index, serial in enumerate(serials[:twice + once]):
        crossed = _crossed(rng, candidates, election.seats)
        readers = clerks if index < twice else clerks[:1]
        for clerk in readers:
            misread = clerk is clerks[1] and index < mismatched
            db.session.add(BallotEntry(
                election_id=election.id, serial=serial, user_id=clerk.id, clerk=desks[clerk.id],
                crossed=crossed[1:] if misread else crossed, spoiled=False))
    db.session.commit()


def demo_elections(congress: Congress) -> None:
    rng = random.Random(19)  # noqa: S311 (the same demo every time, not a secret)
    official = list(db.session.scalars(
        select(Delegate.id).where(Delegate.congress_id == congress.id,
                                  Delegate.category == "official").order_by(Delegate.id)))
    clerks = _clerks(congress)
    title, seats, size = EXECUTIVE
    executive = create_election(SYSTEM, congress, {
        "title": title, "seats": seats, "candidates": official[3:3 + size]})
    first = issue_ballots(SYSTEM, executive, {"count": 270})
    issue_ballots(SYSTEM, executive, {"count": 12})
    _count(executive, clerks, batch_serials(first), rng, twice=180, once=6, mismatched=1)
    title, seats, size = DELEGATION
    delegation = create_election(SYSTEM, congress, {
        "title": title, "seats": seats, "candidates": official[40:40 + size]})
    batch = issue_ballots(SYSTEM, delegation, {"count": 60})
    _count(delegation, clerks, batch_serials(batch), rng, twice=58)
    publish(SYSTEM, delegation)
    db.session.add(Scene(congress_id=congress.id, name="Kết quả bầu cử", type="election",
                         fields={"heading": "", "election_id": None}))
    db.session.commit()
