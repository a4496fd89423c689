"""The demo's votes: the preparatory session adopted its programme and working rules by a show
of cards (closed, with its result and the counts the secretariat entered), and the resolution
waits to be voted on phones (set up, not opened), so the console, the portal and the vote
scene have something to show. A delegate's PIN is on their page for organizers and on the
badge. Opening the phone vote counts the official delegates checked in for the closing session
at that moment: check some in at the scanner first.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from conference.agenda.models import AgendaItem, CongressSession
from conference.audit.service import record
from conference.congresses.models import Congress
from conference.delegates.models import Delegate
from conference.extensions import db
from conference.votes.models import Vote, VoteCount, VoteStatus
from conference.votes.service import official_keys, passes

PROGRAMME = "Thông qua Chương trình và Quy chế làm việc của Đại hội"
RESOLUTION = "Thông qua Nghị quyết Đại hội"
# The show of cards in the preparatory session: present, for, against, abstain.
PRESENT, FOR, AGAINST, ABSTAIN = 40, 38, 0, 2


def _item(congress: Congress, title: str) -> AgendaItem:
    return db.session.scalar(select(AgendaItem).join(CongressSession).where(
        CongressSession.congress_id == congress.id, AgendaItem.title == title))


def demo_votes(congress: Congress) -> None:
    """Add the closed show of cards and the phone vote waiting to be opened (as the system)."""
    summoned = db.session.scalar(select(func.count()).select_from(Delegate).where(
        Delegate.congress_id == congress.id, Delegate.category.in_(official_keys(congress))))
    programme, resolution = _item(congress, PROGRAMME), _item(congress, RESOLUTION)
    opened = programme.session.starts_at + timedelta(minutes=50)
    cards = Vote(congress_id=congress.id, item_id=programme.id, method="cards",
                 majority="half", base="present", secret=False, status=VoteStatus.CLOSED,
                 question="Đại hội biểu quyết thông qua Chương trình và Quy chế làm việc của "
                          "Đại hội", present=PRESENT, summoned=summoned, votes_for=FOR,
                 votes_against=AGAINST, votes_abstain=ABSTAIN,
                 passed=passes(FOR, PRESENT, "half"), created_at=opened, opened_at=opened,
                 closed_at=opened + timedelta(minutes=3))
    db.session.add(cards)
    db.session.flush()
    db.session.add(VoteCount(vote_id=cards.id, votes_for=FOR, votes_against=AGAINST,
                             votes_abstain=ABSTAIN, entered_at=opened + timedelta(minutes=2),
                             entered_by_name="Đoàn Thư ký"))
    db.session.add(Vote(congress_id=congress.id, item_id=resolution.id, method="phone",
                        majority="half", base="summoned", secret=False,
                        status=VoteStatus.DRAFT,
                        question="Đại hội biểu quyết thông qua Nghị quyết Đại hội Công đoàn tỉnh "
                                 "Hà Tĩnh lần thứ XIX, nhiệm kỳ 2023-2028"))
    record(None, "vote.demo", congress_id=congress.id, target=f"vote:{cards.id}")
    db.session.commit()

