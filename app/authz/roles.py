"""Role names as the policy knows them, and the viewer's roles on an object.

This module turns database facts (a membership row, a team role) into Casbin subject names; it
never decides anything itself.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial

from app.authz.enforcer import NO_ATTRIBUTES, Authorizer, StageMove
from app.organizations.models import OrganizationRole
from app.projects.models import ProjectRole, ProjectVisibility
from app.teams.models import TeamRole

AUTHENTICATED = "user:authenticated"
ANONYMOUS = "user:anonymous"
SELF = "user:self"
ARCHIVED = "state:archived"
PUBLIC_OWNER = "organization:public"
SERVICE_ACCOUNT = "user:service_account"
# What a token's scopes add to its owner's roles; the policy's deny rules do the narrowing.
READ_ONLY_TOKEN = "token:read_only"  # noqa: S105  (role names, not secrets)
PROJECTS_ONLY_TOKEN = "token:projects_only"  # noqa: S105
OUTSIDE_TOKEN_SCOPE = "token:outside_scope"  # noqa: S105
# Who may hold an organization role (`may_hold`).
PERSON_SUBJECT = "subject:person"
SERVICE_ACCOUNT_SUBJECT = "subject:service_account"
# A connection one of whose projects the viewer reads: readers of a project see its connections.
IN_READABLE_PROJECT = "connection:in_readable_project"


# What each role allows, in words (the SDL's descriptions of the role enums' values); the policy
# in `policies/` is what decides. Role names appear here, in `app/authz/`, and nowhere else.
ROLE_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "OrganizationRole": {
        "OWNER": "Everything; alone may delete the organization or grant OWNER.",
        "MANAGER": "Settings, members (at or below their own role) and teams, and all ADMIN may "
        "do.",
        "ADMIN": "Creates projects; project ADMIN on every project of the organization.",
        "MEMBER": "Project WRITER on the organization's PUBLIC and INTERNAL projects.",
        "VIEWER": "Project VIEWER on the organization's PUBLIC and INTERNAL projects.",
        "OUTSIDER": "Nothing through the organization: only what project grants give.",
    },
    "ProjectRole": {
        "ADMIN": "Settings, access, deleting runs and versions, moves into or out of PRODUCTION "
        "(of stages and of aliases).",
        "WRITER": "Records runs, promotes and publishes versions, moves stages and aliases "
        "outside PRODUCTION.",
        "VIEWER": "Reads.",
    },
    "TeamRole": {
        "MAINTAINER": "Manages the team's members, besides the organization's OWNERs and MANAGERs.",
        "MEMBER": "Holds the project access the team is granted.",
    },
}


class Kind(StrEnum):
    USER = "user"
    ACCESS_TOKEN = "access_token"  # noqa: S105  (a resource kind)
    ORGANIZATION = "organization"
    TEAM = "team"
    PROJECT = "project"
    RUN = "run"
    MODEL_VERSION = "model_version"
    COMPONENT_VERSION = "component_version"
    SERVICE_ACCOUNT = "service_account"
    CONNECTION = "connection"


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
    READ_MEMBERS = "read_members"
    READ_DETAILS = "read_details"
    READ_ACTIVITY = "read_activity"
    ARCHIVE = "archive"
    MANAGE_ACCESS = "manage_access"
    MANAGE_WEBHOOKS = "manage_webhooks"
    READ_WEBHOOKS = "read_webhooks"
    MANAGE_CONNECTIONS = "manage_connections"
    SET_CONNECTIONS = "set_connections"
    READ_ACCESS = "read_access"
    SET_PROMOTION_SOURCES = "set_promotion_sources"
    CREATE_RUN = "create_run"
    PROMOTE = "promote"
    TRANSITION = "transition"
    SET_ALIAS = "set_alias"
    PUBLISH_COMPONENT = "publish_component"
    CREATE_SERVICE_ACCOUNT = "create_service_account"
    MANAGE_TOKENS = "manage_tokens"
    HOLD = "hold"


def org_subject(role: OrganizationRole) -> str:
    return f"org:{role.value.lower()}"


def team_subject(role: TeamRole) -> str:
    return f"team:{role.value.lower()}"


def org_role_object(role: OrganizationRole) -> str:
    return f"org_role:{role.value.lower()}"


def viewer_subjects(
    *,
    authenticated: bool,
    service_account: bool = False,
    read_only: bool = False,
    projects_only: bool = False,
) -> set[str]:
    """The roles a viewer holds everywhere: signed in or not, a service account or a person,
    and what the token's scopes take away."""
    if not authenticated:
        return {ANONYMOUS}
    roles = {AUTHENTICATED}
    if service_account:
        roles.add(SERVICE_ACCOUNT)
    if read_only:
        roles.add(READ_ONLY_TOKEN)
    if projects_only:
        roles.add(PROJECTS_ONLY_TOKEN)
    return roles


def scope_hides_other_projects(authz: Authorizer) -> bool:
    """Whether a project outside a token's scope is unreadable, as the policy says (for SQL)."""
    roles = {AUTHENTICATED, visibility_subject(ProjectVisibility.PUBLIC), OUTSIDE_TOKEN_SCOPE}
    return not authz.allows(roles, Kind.PROJECT, Action.READ)


def may_hold(authz: Authorizer, role: OrganizationRole, *, service_account: bool) -> bool:
    """Whether a user (or a service account) may hold the organization role."""
    subject = SERVICE_ACCOUNT_SUBJECT if service_account else PERSON_SUBJECT
    return authz.allows([subject], org_role_object(role), Action.HOLD)


def org_roles_allowing(authz: Authorizer, kind: Kind, action: Action) -> list[OrganizationRole]:
    """The organization roles whose holders may do `action` on `kind`, for SQL filters."""
    return [role for role in OrganizationRole if authz.allows([org_subject(role)], kind, action)]


def may_grant(authz: Authorizer, granter: OrganizationRole, role: OrganizationRole) -> bool:
    """A role is granted (or taken away) only at or below the granter's own."""
    return authz.allows([org_subject(granter)], org_role_object(role), Action.GRANT)


@dataclass(frozen=True, slots=True)
class OrganizationFacts:
    """What the database says about the viewer and one organization."""

    membership: OrganizationRole | None = None
    public_owner: bool = False


def organization_roles(
    membership: OrganizationRole | None, base: Iterable[str], *, public_owner: bool = False
) -> set[str]:
    roles = set(base)
    if membership is not None:
        roles.add(org_subject(membership))
    if public_owner:
        roles.add(PUBLIC_OWNER)
    return roles


def user_roles(
    viewer_id: int | None,
    user_id: int,
    shared: Iterable[OrganizationRole],
    base: Iterable[str],
) -> set[str]:
    """On a user (or their tokens): themselves, and the viewer's roles in organizations both
    belong to (managers read members' emails)."""
    roles = set(base) | {org_subject(role) for role in shared}
    if viewer_id is not None and viewer_id == user_id:
        roles.add(SELF)
    return roles


@dataclass(frozen=True, slots=True)
class ConnectionFacts:
    """What the database says about the viewer and one connection: their membership in its
    organization, and whether they read a project that may use it."""

    membership: OrganizationRole | None = None
    in_readable_project: bool = False


def connection_roles(facts: ConnectionFacts, base: Iterable[str]) -> set[str]:
    roles = organization_roles(facts.membership, base)
    if facts.in_readable_project:
        roles.add(IN_READABLE_PROJECT)
    return roles


def team_roles(
    org_membership: OrganizationRole | None, team_membership: TeamRole | None, base: Iterable[str]
) -> set[str]:
    roles = organization_roles(org_membership, base)
    if team_membership is not None:
        roles.add(team_subject(team_membership))
    return roles


# ---- projects ----------------------------------------------------------------------------------


def project_subject(role: ProjectRole) -> str:
    return f"project:{role.value.lower()}"


def visibility_subject(visibility: ProjectVisibility) -> str:
    return f"visibility:{visibility.value.lower()}"


def org_visibility_subject(role: OrganizationRole, visibility: ProjectVisibility) -> str:
    return f"{org_subject(role)}@{visibility.value.lower()}"


@dataclass(frozen=True, slots=True)
class ProjectFacts:
    """What the database says about the viewer and one project; the policy says the rest."""

    visibility: ProjectVisibility
    archived: bool
    org_membership: OrganizationRole | None = None
    grants: frozenset[ProjectRole] = frozenset()


def project_roles(facts: ProjectFacts, base: Iterable[str], *, in_scope: bool = True) -> set[str]:
    """`in_scope`: whether the viewer's token reaches the project (see `Viewer.project_ids`)."""
    roles = set(base) | {visibility_subject(facts.visibility)}
    if not in_scope:
        roles.add(OUTSIDE_TOKEN_SCOPE)
    if facts.org_membership is not None:
        roles.add(org_subject(facts.org_membership))
        roles.add(org_visibility_subject(facts.org_membership, facts.visibility))
    roles.update(project_subject(grant) for grant in facts.grants)
    if facts.archived:
        roles.add(ARCHIVED)
    return roles


def effective_project_role(authz: Authorizer, roles: Iterable[str]) -> ProjectRole | None:
    """The project role whose holders may do everything this viewer's roles allow."""
    held = [
        candidate
        for candidate in ProjectRole
        if any(authz.implies(role, project_subject(candidate)) for role in roles)
    ]
    for candidate in held:
        if all(authz.implies(project_subject(candidate), project_subject(o)) for o in held):
            return candidate
    return None


@dataclass(frozen=True)
class ProjectReaders:
    """For one visibility: who may read a project, as the policy says (for SQL filters)."""

    anonymous: bool
    signed_in: bool
    org_roles: tuple[OrganizationRole, ...]
    grant_roles: tuple[ProjectRole, ...]


def project_readers(authz: Authorizer, visibility: ProjectVisibility) -> ProjectReaders:
    read = partial(_project_allows, authz, visibility, Action.READ)
    return ProjectReaders(
        anonymous=read(ProjectFacts(visibility, archived=False), authenticated=False),
        signed_in=read(ProjectFacts(visibility, archived=False), authenticated=True),
        org_roles=tuple(
            role
            for role in OrganizationRole
            if read(ProjectFacts(visibility, archived=False, org_membership=role))
        ),
        grant_roles=tuple(
            role
            for role in ProjectRole
            if read(ProjectFacts(visibility, archived=False, grants=frozenset({role})))
        ),
    )


def _project_allows(
    authz: Authorizer,
    visibility: ProjectVisibility,
    action: Action,
    facts: ProjectFacts,
    *,
    authenticated: bool = True,
) -> bool:
    assert facts.visibility == visibility
    roles = project_roles(facts, viewer_subjects(authenticated=authenticated))
    return authz.allows(roles, Kind.PROJECT, action)


# ---- generated worlds (`hubql seed`): which roles people are given, and how often ------------
# The seed assigns these; what their holders may then do is the policy's to say
# (`org_roles_allowing_in_project`), so a policy change never leaves a seeded world inconsistent.
SEED_MEMBER_ROLES: dict[OrganizationRole, int] = {
    OrganizationRole.MANAGER: 1,
    OrganizationRole.ADMIN: 2,
    OrganizationRole.MEMBER: 11,
    OrganizationRole.VIEWER: 5,
    OrganizationRole.OUTSIDER: 1,
}
# The benchmarks' forty members of each organization take these in turn.
SEED_BENCHMARK_ROLES: tuple[OrganizationRole, ...] = (
    OrganizationRole.MEMBER,
    OrganizationRole.ADMIN,
    OrganizationRole.VIEWER,
    OrganizationRole.MANAGER,
)
SEED_TEAM_GRANTS: dict[ProjectRole, int] = {
    ProjectRole.WRITER: 3,
    ProjectRole.VIEWER: 2,
    ProjectRole.ADMIN: 1,
}
# What an outsider brought into one project is granted; a team's first member leads it.
SEED_GUEST_GRANT = ProjectRole.WRITER
SEED_TEAM_LEAD, SEED_TEAM_MEMBER = TeamRole.MAINTAINER, TeamRole.MEMBER


def founding_role(authz: Authorizer) -> OrganizationRole:
    """The role an organization's creator holds: the one whose holders own it."""
    return org_roles_allowing(authz, Kind.ORGANIZATION, Action.OWN)[0]


def org_roles_allowing_in_project(
    authz: Authorizer,
    visibility: ProjectVisibility,
    kind: Kind,
    action: Action,
    attributes: StageMove = NO_ATTRIBUTES,
) -> frozenset[OrganizationRole]:
    """The organization roles whose holders may do `action` on `kind` in a project of this
    visibility through their role alone (no grant)."""
    return frozenset(
        role
        for role in OrganizationRole
        if authz.allows(
            project_roles(
                ProjectFacts(visibility, archived=False, org_membership=role),
                viewer_subjects(authenticated=True),
            ),
            kind,
            action,
            attributes,
        )
    )
