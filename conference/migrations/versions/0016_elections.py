"""elections: elections by paper ballot, their candidates, the ballots issued and the counting committee's entries

Revision ID: 0016_elections
Revises: 0015_votes
Create Date: 2026-12-04 15:00:00

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = '0016_elections'
down_revision = '0015_votes'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
