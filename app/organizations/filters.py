"""What `query:` may say about organizations, their members and their teams."""

from app.organizations.models import Organization, OrganizationMember, OrganizationRole
from app.pql import DateTimeField, EnumField, FieldSet, SlugField, TextField
from app.teams.models import Team
from app.users.models import User

ORGANIZATION_FIELDS = FieldSet(
    fields={
        "name": SlugField(Organization.name),
        "display_name": TextField(Organization.display_name),
        "description": TextField(Organization.description),
        "created_at": DateTimeField(Organization.created_at),
        "updated_at": DateTimeField(Organization.updated_at),
    }
)

# Member queries run on members joined to their users.
MEMBER_FIELDS = FieldSet(
    fields={
        "username": SlugField(User.username),
        "display_name": TextField(User.display_name),
        "role": EnumField(OrganizationMember.role, OrganizationRole),
        "joined_at": DateTimeField(OrganizationMember.joined_at),
    }
)

TEAM_FIELDS = FieldSet(
    fields={
        "name": SlugField(Team.name),
        "description": TextField(Team.description),
        "created_at": DateTimeField(Team.created_at),
        "updated_at": DateTimeField(Team.updated_at),
    }
)
