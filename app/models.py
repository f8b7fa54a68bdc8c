"""Every table, imported in one place so Alembic and the tests see the whole metadata."""

from app.db import Base
from app.organizations.models import Organization, OrganizationMember
from app.teams.models import Team, TeamMember
from app.users.models import AccessToken, User

__all__ = [
    "AccessToken",
    "Base",
    "Organization",
    "OrganizationMember",
    "Team",
    "TeamMember",
    "User",
]
