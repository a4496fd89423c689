"""votes: votes on agenda items (by show of cards or on the phone) and the ballots cast

Revision ID: 0015_votes
Revises: 0014_speakers
Create Date: 2026-12-04 15:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015_votes'
down_revision = '0014_speakers'
branch_labels = None
depends_on = None


def _user(name):
    return sa.Column(name, sa.Integer(), sa.ForeignKey('users.id', ondelete='SET NULL'),
                     nullable=True)


def upgrade():
    op.create_table(
        'votes',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('congress_id', sa.Integer(),
                  sa.ForeignKey('congresses.id', ondelete='CASCADE'), nullable=False),
        sa.Column('item_id', sa.Integer(), sa.ForeignKey('agenda_items.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('question', sa.Text(), nullable=False),
        sa.Column('method', sa.String(10), nullable=False),
        sa.Column('majority', sa.String(12), nullable=False),
        sa.Column('base', sa.String(10), nullable=False),
        sa.Column('secret', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(10), nullable=False),
        sa.Column('present', sa.Integer(), nullable=True),
        sa.Column('summoned', sa.Integer(), nullable=True),
        sa.Column('votes_for', sa.Integer(), nullable=True),
        sa.Column('votes_against', sa.Integer(), nullable=True),
        sa.Column('votes_abstain', sa.Integer(), nullable=True),
        sa.Column('passed', sa.Boolean(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('opened_at', sa.DateTime(), nullable=True),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        _user('created_by_id'), _user('opened_by_id'), _user('closed_by_id'))
    op.create_index('ix_votes_congress_id', 'votes', ['congress_id'])
    op.create_index('ix_votes_item_id', 'votes', ['item_id'])
    op.create_table(
        'vote_roll',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('vote_id', sa.Integer(), sa.ForeignKey('votes.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('delegate_id', sa.Integer(),
                  sa.ForeignKey('delegates.id', ondelete='CASCADE'), nullable=False),
        sa.Column('voted', sa.Boolean(), nullable=False),
        sa.UniqueConstraint('vote_id', 'delegate_id'))
    op.create_index('ix_vote_roll_delegate_id', 'vote_roll', ['delegate_id'])
    op.create_table(
        'vote_ballots',
        sa.Column('vote_id', sa.Integer(), sa.ForeignKey('votes.id', ondelete='CASCADE'),
                  primary_key=True),
        sa.Column('receipt_hash', sa.String(64), primary_key=True),
        sa.Column('choice', sa.String(10), nullable=False),
        sa.Column('delegate_id', sa.Integer(),
                  sa.ForeignKey('delegates.id', ondelete='CASCADE'), nullable=True))
    op.create_table(
        'vote_counts',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('vote_id', sa.Integer(), sa.ForeignKey('votes.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('votes_for', sa.Integer(), nullable=False),
        sa.Column('votes_against', sa.Integer(), nullable=False),
        sa.Column('votes_abstain', sa.Integer(), nullable=False),
        sa.Column('entered_at', sa.DateTime(), nullable=False),
        _user('entered_by_id'),
        sa.Column('entered_by_name', sa.String(150), nullable=False))
    op.create_index('ix_vote_counts_vote_id', 'vote_counts', ['vote_id'])
    op.create_table(
        'vote_devices',
        sa.Column('key_hash', sa.String(64), primary_key=True),
        sa.Column('delegate_id', sa.Integer(),
                  sa.ForeignKey('delegates.id', ondelete='CASCADE'), nullable=False),
        sa.Column('badge_token_hash', sa.String(64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False))
    op.create_index('ix_vote_devices_delegate_id', 'vote_devices', ['delegate_id'])


def downgrade():
    for table in ('vote_devices', 'vote_counts', 'vote_ballots', 'vote_roll', 'votes'):
        op.drop_table(table)
