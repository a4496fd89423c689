"""jobs on the queue: shared keys, locale, error codes, heartbeats

Revision ID: 0007_job_queue
Revises: 0006_token_key
Create Date: 2026-12-03 22:47:53.750730

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007_job_queue'
down_revision = '0006_token_key'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('locale', sa.String(length=10), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('error_code', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('started_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_jobs_created_at'), ['created_at'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_jobs_key'), ['key'])
    # The server defaults only filled the rows that were there; the model gives new rows theirs.
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.alter_column('locale', server_default=None)
        batch_op.alter_column('error_code', server_default=None)


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_jobs_key'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_jobs_created_at'))
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('started_at')
        batch_op.drop_column('error_code')
        batch_op.drop_column('locale')
        batch_op.drop_column('key')
