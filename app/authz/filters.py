"""What the viewer may read, as SQL predicates: the list twin of the enforcer's `read` decision.

Each predicate is built from the role names the policy lets read the kind (asked of the enforcer,
cached), so a list never drops rows in Python and `totalCount` stays honest.
"""

from sqlalchemy import ColumnElement, false, select

from app.authz.roles import Action, Kind, org_roles_allowing
from app.context import Context
from app.organizations.models import Organization, OrganizationMember
from app.teams.models import Team


def readable_organizations(ctx: Context) -> ColumnElement[bool]:
    if ctx.viewer.user_id is None:
        return false()
    reading_roles = org_roles_allowing(ctx.authz, Kind.ORGANIZATION, Action.READ)
    memberships = select(OrganizationMember.organization_id).where(
        OrganizationMember.user_id == ctx.viewer.user_id,
        OrganizationMember.role.in_(reading_roles),
    )
    return Organization.id.in_(memberships)


def readable_teams(ctx: Context) -> ColumnElement[bool]:
    if ctx.viewer.user_id is None:
        return false()
    reading_roles = org_roles_allowing(ctx.authz, Kind.TEAM, Action.READ)
    memberships = select(OrganizationMember.organization_id).where(
        OrganizationMember.user_id == ctx.viewer.user_id,
        OrganizationMember.role.in_(reading_roles),
    )
    return Team.organization_id.in_(memberships)
