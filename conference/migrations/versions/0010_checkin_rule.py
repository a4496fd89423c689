"""the check-in rule of a congress: a check-in counts for later sessions, or each needs its own

Revision ID: 0010_checkin_rule
Revises: 0007_job_queue
Create Date: 2026-12-04 03:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010_checkin_rule'
down_revision = "0009_site_settings"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, no batch: on SQLite a batch copies the table and drops the old one, and
# with foreign keys on, dropping `congresses` would delete every row that cascades from it.
def upgrade():
    # Every congress gets the usual rule: an earlier check-in counts for the session.
    op.add_column('congresses', sa.Column('checkin_rule', sa.String(length=20), nullable=False,
                                          server_default='congress'))


def downgrade():
    op.drop_column('congresses', 'checkin_rule')
