"""category words for imports, delegates' dates of birth

Revision ID: 0008_category_words
Revises: 0007_job_queue
Create Date: 2026-12-04 03:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008_category_words'
down_revision = '0007_job_queue'
branch_labels = None
depends_on = None

# The everyday words of the default categories (delegates/service.py DEFAULT_CATEGORIES), given
# to the categories congresses already have.
WORDS = {
    "official": "Đại biểu chính thức\nĐBCT\nChính thức\nĐB chính thức",
    "guest": "Đại biểu khách mời\nKhách mời\nĐBKM\nKhách",
}


def upgrade():
    with op.batch_alter_table('delegate_categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('words', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('delegates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('birth_date', sa.String(length=10), nullable=False,
                                      server_default=''))
    categories = sa.table('delegate_categories', sa.column('key', sa.String),
                          sa.column('words', sa.Text))
    for key, words in WORDS.items():
        op.execute(categories.update().where(categories.c.key == key).values(words=words))
    with op.batch_alter_table('delegate_categories', schema=None) as batch_op:
        batch_op.alter_column('words', server_default=None)
    with op.batch_alter_table('delegates', schema=None) as batch_op:
        batch_op.alter_column('birth_date', server_default=None)


def downgrade():
    with op.batch_alter_table('delegates', schema=None) as batch_op:
        batch_op.drop_column('birth_date')
    with op.batch_alter_table('delegate_categories', schema=None) as batch_op:
        batch_op.drop_column('words')
