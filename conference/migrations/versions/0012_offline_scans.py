"""offline scans: scans a gate made without network, sent later and kept by their nonce

Revision ID: 0012_offline_scans
Revises: 0011_mailings
Create Date: 2026-12-04 08:45:06.716117

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012_offline_scans'
down_revision = '0011_mailings'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('offline_scans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('congress_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('gate', sa.String(length=60), nullable=False),
    sa.Column('scanned_at', sa.DateTime(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('result', sa.String(length=30), nullable=False),
    sa.Column('delegate_id', sa.Integer(), nullable=True),
    sa.Column('checkin_id', sa.Integer(), nullable=True),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_offline_scans_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['checkin_id'], ['checkins.id'], name=op.f('fk_offline_scans_checkin_id_checkins'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['congress_id'], ['congresses.id'], name=op.f('fk_offline_scans_congress_id_congresses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['delegate_id'], ['delegates.id'], name=op.f('fk_offline_scans_delegate_id_delegates'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offline_scans')),
    sa.UniqueConstraint('congress_id', 'nonce', name=op.f('uq_offline_scans_congress_id'))
    )
    with op.batch_alter_table('offline_scans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offline_scans_congress_id'), ['congress_id'], unique=False)



def downgrade():
    with op.batch_alter_table('offline_scans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offline_scans_congress_id'))

    op.drop_table('offline_scans')
