"""Role names as the policy knows them, and the viewer's roles on an object.

This module turns database facts (a membership row, a team role) into Casbin subject names; it
never decides anything itself.
"""

from collections.abc import Iterable
from enum import StrEnum

from app.authz.enforcer import Authorizer
from app.organizations.models import OrganizationRole
from app.teams.models import TeamRole

AUTHENTICATED = "user:authenticated"
ANONYMOUS = "user:anonymous"
SELF = "user:self"


class Kind(StrEnum):
    USER = "user"
    ACCESS_TOKEN = "access_token"  # noqa: S105  (a resource kind)
    ORGANIZATION = "organization"
    TEAM = "team"


class Action(StrEnum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    REVOKE = "revoke"
    OWN = "own"
    LEAVE = "leave"
    GRANT = "grant"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_TEAMS = "manage_teams"
    CREATE_PROJECT = "create_project"
    READ_EMAIL = "read_email"
    READ_TOKENS = "read_tokens"


def org_subject(role: OrganizationRole) -> str:
    return f"org:{role.value.lower()}"


def team_subject(role: TeamRole) -> str:
    return f"team:{role.value.lower()}"


def org_role_object(role: OrganizationRole) -> str:
    return f"org_role:{role.value.lower()}"


def viewer_subjects(*, authenticated: bool) -> set[str]:
    return {AUTHENTICATED} if authenticated else {ANONYMOUS}


def org_roles_allowing(authz: Authorizer, kind: Kind, action: Action) -> list[OrganizationRole]:
    """The organization roles whose holders may do `action` on `kind`, for SQL filters."""
    return [role for role in OrganizationRole if authz.allows([org_subject(role)], kind, action)]


def may_grant(authz: Authorizer, granter: OrganizationRole, role: OrganizationRole) -> bool:
    """A role is granted (or taken away) only at or below the granter's own."""
    return authz.allows([org_subject(granter)], org_role_object(role), Action.GRANT)


def organization_roles(membership: OrganizationRole | None, base: Iterable[str]) -> set[str]:
    roles = set(base)
    if membership is not None:
        roles.add(org_subject(membership))
    return roles


def team_roles(
    org_membership: OrganizationRole | None, team_membership: TeamRole | None, base: Iterable[str]
) -> set[str]:
    roles = organization_roles(org_membership, base)
    if team_membership is not None:
        roles.add(team_subject(team_membership))
    return roles
