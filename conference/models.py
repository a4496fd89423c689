"""Import every feature's models, so the metadata (and Alembic) sees all tables."""

from conference.agenda.models import AgendaItem, CongressSession
from conference.audit.models import AuditEntry
from conference.auth.models import ApiToken, Membership, User
from conference.badges.models import RevokedBadge
from conference.checkin.models import CheckIn
from conference.congresses.models import Congress
from conference.delegates.models import Delegate, DelegateCategory
from conference.displays.models import Playlist, PlaylistEntry, Scene, Screen
from conference.documents.models import (
    Document,
    DocumentComment,
    DocumentRead,
    DocumentVersion,
)
from conference.elections.models import (
    Ballot,
    BallotBatch,
    BallotEntry,
    Candidate,
    Election,
    Settlement,
)
from conference.jobs.models import Job
from conference.mailings.models import Delivery
from conference.speakers.models import Speaker, SpeakerList
from conference.streams.models import Stream
from conference.urls import SiteSetting
from conference.votes.models import Vote, VoteBallot, VoteCount, VoteDevice, VoteRoll

__all__ = ["AgendaItem", "ApiToken", "AuditEntry", "Ballot", "BallotBatch", "BallotEntry",
           "Candidate", "CheckIn", "Congress", "CongressSession", "Delegate", "DelegateCategory",
           "Delivery", "Document", "DocumentComment", "DocumentRead", "DocumentVersion",
           "Election", "Job", "Membership", "Playlist", "PlaylistEntry", "RevokedBadge", "Scene",
           "Screen", "Settlement", "SiteSetting", "Speaker", "SpeakerList", "Stream", "User",
           "Vote", "VoteBallot", "VoteCount", "VoteDevice", "VoteRoll"]
