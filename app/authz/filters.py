"""What the viewer may read, as SQL predicates: the list twin of the enforcer's `read` decision.

Each predicate is built from the role names the policy lets read the kind (asked of the enforcer,
cached), so a list never drops rows in Python and `totalCount` stays honest.
"""

from sqlalchemy import ColumnElement, Select, and_, false, or_, select

from app.authz.roles import (
    IN_READABLE_PROJECT,
    Action,
    Kind,
    org_roles_allowing,
    project_readers,
    scope_hides_other_projects,
)
from app.connections.models import Connection, ProjectConnection
from app.context import Context
from app.organizations.models import Organization, OrganizationMember, OrganizationRole
from app.projects.models import Project, ProjectGrant, ProjectRole, ProjectVisibility
from app.teams.models import TeamMember


def _memberships(user_id: int, roles: list[OrganizationRole]) -> Select[int]:
    return select(OrganizationMember.organization_id).where(
        OrganizationMember.user_id == user_id, OrganizationMember.role.in_(roles)
    )


def publicly_visible_visibilities(ctx: Context) -> list[ProjectVisibility]:
    """Visibilities the anonymous viewer may read (PUBLIC, as the policy has it)."""
    return [v for v in ProjectVisibility if project_readers(ctx.authz, v).anonymous]


def organizations_with_public_projects(ctx: Context) -> Select[int]:
    return select(Project.organization_id).where(
        Project.visibility.in_(publicly_visible_visibilities(ctx))
    )


def member_organizations(ctx: Context) -> ColumnElement[bool]:
    """Organizations whose members the viewer may list (the viewer's own)."""
    if ctx.viewer.user_id is None:
        return false()
    roles = org_roles_allowing(ctx.authz, Kind.ORGANIZATION, Action.READ_MEMBERS)
    return Organization.id.in_(_memberships(ctx.viewer.user_id, roles))


def granted_projects(user_id: int, roles: tuple[ProjectRole, ...]) -> Select[int]:
    """Projects granted to the user, directly or through a team, with one of these roles."""
    teams = select(TeamMember.team_id).where(TeamMember.user_id == user_id)
    return select(ProjectGrant.project_id).where(
        ProjectGrant.role.in_(roles),
        or_(ProjectGrant.user_id == user_id, ProjectGrant.team_id.in_(teams)),
    )


def readable_projects(ctx: Context) -> ColumnElement[bool]:
    """Per visibility: everyone, or members with a reading org role, or reading grants."""
    user_id = ctx.viewer.user_id
    clauses: list[ColumnElement[bool]] = []
    for visibility in ProjectVisibility:
        readers = project_readers(ctx.authz, visibility)
        if readers.anonymous or (user_id is not None and readers.signed_in):
            clauses.append(Project.visibility == visibility)
            continue
        if user_id is None:
            continue
        who: list[ColumnElement[bool]] = []
        if readers.org_roles:
            who.append(Project.organization_id.in_(_memberships(user_id, list(readers.org_roles))))
        if readers.grant_roles:
            who.append(Project.id.in_(granted_projects(user_id, readers.grant_roles)))
        if who:
            clauses.append(and_(Project.visibility == visibility, or_(*who)))
    if not clauses:
        return false()
    readable = or_(*clauses)
    scope = ctx.viewer.project_ids
    if scope is not None and scope_hides_other_projects(ctx.authz):
        readable = and_(readable, Project.id.in_(sorted(scope)))
    return readable


def connections_of_readable_projects(ctx: Context) -> Select[int]:
    """Connections some project the viewer reads may use."""
    return (
        select(ProjectConnection.connection_id)
        .join(Project, Project.id == ProjectConnection.project_id)
        .where(readable_projects(ctx))
    )


def readable_connections(ctx: Context) -> ColumnElement[bool]:
    """Members whose organization role reads its connections, and readers of a project that may
    use one (the policy's `connection:in_readable_project`)."""
    clauses: list[ColumnElement[bool]] = []
    user_id = ctx.viewer.user_id
    roles = org_roles_allowing(ctx.authz, Kind.CONNECTION, Action.READ)
    if user_id is not None and roles:
        clauses.append(Connection.organization_id.in_(_memberships(user_id, roles)))
    if ctx.authz.allows([IN_READABLE_PROJECT], Kind.CONNECTION, Action.READ):
        clauses.append(Connection.id.in_(connections_of_readable_projects(ctx)))
    return or_(*clauses) if clauses else false()
