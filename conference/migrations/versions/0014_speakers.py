"""speakers: lists of speakers per agenda item (registered contributions, requests from the floor) and their timers

Revision ID: 0014_speakers
Revises: 0013_credentials
Create Date: 2026-12-04 15:00:00

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = '0014_speakers'
down_revision = '0013_credentials'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
