"""elections: elections by paper ballot, their candidates, the ballots issued and the counting committee's entries

Revision ID: 0016_elections
Revises: 0015_votes
Create Date: 2026-12-04 15:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016_elections'
down_revision = '0015_votes'
branch_labels = None
depends_on = None


def _id():
    return sa.Column('id', sa.Integer(), primary_key=True)


def _election():
    return sa.Column('election_id', sa.Integer(),
                     sa.ForeignKey('elections.id', ondelete='CASCADE'), nullable=False)


def _user(name, ondelete='SET NULL', nullable=True):
    return sa.Column(name, sa.Integer(), sa.ForeignKey('users.id', ondelete=ondelete),
                     nullable=nullable)


def upgrade():
    op.create_table(
        'elections', _id(),
        sa.Column('congress_id', sa.Integer(),
                  sa.ForeignKey('congresses.id', ondelete='CASCADE'), nullable=False),
        sa.Column('title', sa.String(300), nullable=False),
        sa.Column('seats', sa.Integer(), nullable=False),
        sa.Column('majority_base', sa.String(20), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False))
    op.create_index('ix_elections_congress_id', 'elections', ['congress_id'])
    op.create_table(
        'election_candidates', _id(), _election(),
        sa.Column('name', sa.String(200), nullable=False),
        sa.Column('delegate_id', sa.Integer(),
                  sa.ForeignKey('delegates.id', ondelete='SET NULL'), nullable=True),
        sa.Column('sort_key', sa.String(400), nullable=False))
    op.create_index('ix_election_candidates_election_id', 'election_candidates',
                    ['election_id'])
    op.create_table(
        'ballot_batches', _id(), _election(),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        _user('created_by_id'))
    op.create_index('ix_ballot_batches_election_id', 'ballot_batches', ['election_id'])
    op.create_table(
        'ballots', _id(), _election(),
        sa.Column('batch_id', sa.Integer(),
                  sa.ForeignKey('ballot_batches.id', ondelete='CASCADE'), nullable=False),
        sa.Column('serial', sa.String(16), nullable=False),
        sa.UniqueConstraint('election_id', 'serial'))
    op.create_index('ix_ballots_election_id', 'ballots', ['election_id'])
    op.create_index('ix_ballots_batch_id', 'ballots', ['batch_id'])
    op.create_table(
        'ballot_entries', _id(), _election(),
        sa.Column('serial', sa.String(16), nullable=False),
        _user('user_id', ondelete='CASCADE', nullable=False),
        sa.Column('clerk', sa.String(60), nullable=False),
        sa.Column('crossed', sa.JSON(), nullable=False),
        sa.Column('spoiled', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('election_id', 'serial', 'user_id'))
    op.create_index('ix_ballot_entries_election_id', 'ballot_entries', ['election_id'])
    op.create_table(
        'ballot_settlements', _id(), _election(),
        sa.Column('serial', sa.String(16), nullable=False),
        sa.Column('crossed', sa.JSON(), nullable=False),
        sa.Column('spoiled', sa.Boolean(), nullable=False),
        _user('user_id'),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('election_id', 'serial'))
    op.create_index('ix_ballot_settlements_election_id', 'ballot_settlements', ['election_id'])


def downgrade():
    for table in ('ballot_settlements', 'ballot_entries', 'ballots', 'ballot_batches',
                  'election_candidates', 'elections'):
        op.drop_table(table)
