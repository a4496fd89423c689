"""mail deliveries: portal links by e-mail and letters

Revision ID: 0011_mailings
Revises: 0007_job_queue
Create Date: 2026-12-04 03:07:50.309769

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011_mailings'
down_revision = "0010_checkin_rule"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('congress_id', sa.Integer(), nullable=False),
    sa.Column('delegate_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=False),
    sa.Column('badge_serial', sa.Integer(), nullable=False),
    sa.Column('error_code', sa.String(length=40), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('smtp_reply', sa.String(length=300), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['congress_id'], ['congresses.id'], name=op.f('fk_mail_deliveries_congress_id_congresses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_mail_deliveries_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['delegate_id'], ['delegates.id'], name=op.f('fk_mail_deliveries_delegate_id_delegates'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_mail_deliveries_job_id_jobs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_deliveries'))
    )
    with op.batch_alter_table('mail_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_deliveries_congress_id'), ['congress_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_deliveries_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_deliveries_delegate_id'), ['delegate_id'], unique=False)



def downgrade():
    with op.batch_alter_table('mail_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_deliveries_delegate_id'))
        batch_op.drop_index(batch_op.f('ix_mail_deliveries_created_at'))
        batch_op.drop_index(batch_op.f('ix_mail_deliveries_congress_id'))

    op.drop_table('mail_deliveries')
