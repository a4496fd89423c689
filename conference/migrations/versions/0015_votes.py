"""votes: votes on agenda items (by show of cards or on the phone) and the ballots cast

Revision ID: 0015_votes
Revises: 0014_speakers
Create Date: 2026-12-04 15:00:00

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = '0015_votes'
down_revision = '0014_speakers'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
