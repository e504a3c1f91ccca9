"""CV suggestions: skills and occupations proposed from an expert's CV, and the decisions (helper cv).

Revision ID: c7d4e1a2b9f0
Revises: b3c1d2e4f5a6
Create Date: 2026-12-03 12:50:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'c7d4e1a2b9f0'
down_revision = 'b3c1d2e4f5a6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'cv_suggestions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('expert_id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=True),
        sa.Column('esco_uri', sa.String(length=255), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('label', sa.String(length=255), nullable=False),
        sa.Column('confidence', sa.Float(), nullable=False),
        sa.Column('sentence', sa.Text(), nullable=False),
        sa.Column('section', sa.String(length=20), nullable=True),
        sa.Column(
            'status',
            sa.Enum('suggested', 'accepted', 'rejected', name='suggestionstatus', native_enum=False, create_constraint=False, length=16),
            nullable=False,
        ),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('uuid', sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['expert_id'], ['expert_profiles.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('document_id', 'esco_uri', name='uq_cv_suggestion'),
    )
    with op.batch_alter_table('cv_suggestions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cv_suggestions_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cv_suggestions_expert_id'), ['expert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cv_suggestions_uuid'), ['uuid'], unique=True)


def downgrade():
    with op.batch_alter_table('cv_suggestions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cv_suggestions_uuid'))
        batch_op.drop_index(batch_op.f('ix_cv_suggestions_expert_id'))
        batch_op.drop_index(batch_op.f('ix_cv_suggestions_document_id'))
    op.drop_table('cv_suggestions')
