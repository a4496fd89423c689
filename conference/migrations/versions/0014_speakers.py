"""speakers: lists of speakers per agenda item (registered contributions, requests from the floor) and their timers

Revision ID: 0014_speakers
Revises: 0013_credentials
Create Date: 2026-12-04 15:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014_speakers'
down_revision = '0013_credentials'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'speaker_lists',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('congress_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('closed', sa.Boolean(), nullable=False),
        sa.Column('floor_seconds', sa.Integer(), nullable=False),
        sa.Column('registered_seconds', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['congress_id'], ['congresses.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['item_id'], ['agenda_items.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('item_id'),
    )
    op.create_index(op.f('ix_speaker_lists_congress_id'), 'speaker_lists', ['congress_id'])
    op.create_table(
        'speakers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('list_id', sa.Integer(), nullable=False),
        sa.Column('congress_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('unit', sa.String(length=300), nullable=False),
        sa.Column('title', sa.String(length=500), nullable=False),
        sa.Column('delegate_id', sa.Integer(), nullable=True),
        sa.Column('document_id', sa.Integer(), nullable=True),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('duration', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('elapsed_before', sa.Float(), nullable=False),
        sa.Column('requested_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['congress_id'], ['congresses.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['delegate_id'], ['delegates.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['list_id'], ['speaker_lists.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_speakers_congress_id'), 'speakers', ['congress_id'])
    op.create_index(op.f('ix_speakers_delegate_id'), 'speakers', ['delegate_id'])
    op.create_index(op.f('ix_speakers_list_id'), 'speakers', ['list_id'])


def downgrade():
    op.drop_table('speakers')
    op.drop_table('speaker_lists')
