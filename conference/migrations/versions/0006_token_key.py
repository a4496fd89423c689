"""badge and kiosk tokens get a key of their own; existing ones keep theirs

Revision ID: 0006_token_key
Revises: 0005_displays
Create Date: 2026-12-20 10:00:00

Until now badge and kiosk tokens were derived from the session key (SECRET_KEY). They now come
from the token key (TOKEN_KEY, else `token_key` in the instance folder). A database that already
holds badges or screens keeps the session key as its token key, written to the instance folder
once here, so reprints, portal links and kiosk addresses do not change. No schema change.
"""
import sqlalchemy as sa
from alembic import context, op

# revision identifiers, used by Alembic.
revision = '0006_token_key'
down_revision = '0005_displays'
branch_labels = None
depends_on = None


def upgrade():
    if context.is_offline_mode():  # no data to look at: set CONFERENCE_TOKEN_KEY by hand
        return
    from flask import current_app

    from conference.tokens import keep_session_key

    connection = op.get_bind()
    issued = any(connection.execute(sa.select(sa.literal(1)).select_from(sa.table(table))
                                    .limit(1)).first()
                 for table in ("delegates", "screens"))
    if issued:
        keep_session_key(current_app)


def downgrade():
    pass  # the key file stays: it is what the tokens were derived from
