"""The lists of organizations and their members the graph pages, and what `query:` may say
about them."""

from sqlalchemy import Select, select

from app.authz import filters
from app.context import Context
from app.graphql.kit import Listing
from app.graphql.refs import OrganizationMemberRef, OrganizationMembershipRef, OrganizationRef
from app.organizations.models import Organization, OrganizationMember, OrganizationRole
from app.pagination import SortKey
from app.pql import DateTimeField, EnumField, FieldSet, SlugField, TextField
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


def _own_organizations(ctx: Context) -> Select[Organization]:
    """The `organizations` list: the viewer's own (others they see by name)."""
    return select(Organization).where(filters.member_organizations(ctx))


def _members(_: Context) -> Select[OrganizationMember]:
    return select(OrganizationMember).join(User, User.id == OrganizationMember.user_id)


def _readable_memberships(ctx: Context) -> Select[OrganizationMember]:
    return (
        select(OrganizationMember)
        .join(Organization, Organization.id == OrganizationMember.organization_id)
        .where(filters.member_organizations(ctx))
    )


ORGANIZATIONS = Listing(
    model=Organization,
    node=OrganizationRef,
    rows=_own_organizations,
    order=SortKey("name", ((Organization.name, False), (Organization.id, False))),
    fields=ORGANIZATION_FIELDS,
    queryable=True,
    query_description="e.g. `name:%lab%, created_at:>=2026-01-01`.",
)
MEMBERS = Listing(
    model=OrganizationMember,
    node=OrganizationMemberRef,
    rows=_members,
    parent=OrganizationMember.organization_id,
    order=SortKey("username", ((User.username, False), (OrganizationMember.user_id, False))),
    fields=MEMBER_FIELDS,
    queryable=True,
    query_description="e.g. `username:%ada%, role:owner`.",
)
# A user's memberships, as far as the viewer shares the organizations.
MEMBERSHIPS = Listing(
    model=OrganizationMember,
    node=OrganizationMembershipRef,
    rows=_readable_memberships,
    parent=OrganizationMember.user_id,
    order=SortKey(
        "organization", ((Organization.name, False), (OrganizationMember.organization_id, False))
    ),
)
