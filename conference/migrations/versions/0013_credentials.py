"""credentials: what the credentials committee reports on (ethnicity, education, political theory,
party membership, sector, how they became a delegate) and why an absent delegate is absent

Revision ID: 0013_credentials
Revises: 0012_offline_scans
Create Date: 2026-12-05 09:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013_credentials'
down_revision = '0012_offline_scans'
branch_labels = None
depends_on = None

# (column, length): every one a text, "" (not stated) for the delegates already registered.
COLUMNS = (('ethnicity', 50), ('education', 20), ('theory_level', 20), ('party_member', 3),
           ('sector', 20), ('mandate', 20), ('absence_reason', 300))


# Plain ALTER TABLE, no batch (as in 0010): on SQLite a batch copies the table and drops the old
# one, and with foreign keys on, dropping `delegates` would delete every check-in of theirs.
def upgrade():
    for name, length in COLUMNS:
        op.add_column('delegates', sa.Column(name, sa.String(length=length), nullable=False,
                                             server_default=''))


def downgrade():
    for name, _length in reversed(COLUMNS):
        op.drop_column('delegates', name)
