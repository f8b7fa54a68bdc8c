"""The permission matrix as data, copied from the design (api.md "Mutations", authz.md "Roles").

This is deliberately written out by hand and never derived from `policies/policy.csv`: the tests
compare the policy against it, so a policy change must come with a matching change here.

Viewers are the six organization roles plus a signed-in user who is not a member (NON_MEMBER) and
the anonymous viewer (ANONYMOUS). Role names are the `OrganizationRole` / `TeamRole` /
`ProjectRole` / `ProjectVisibility` values.

Projects are described by what the design says, not by Casbin subjects: which project role the
organization role gives on a project of each visibility, what each project role may do, and what an
archived project refuses. Model and component versions are described by project role, as api.md
states them. The tests turn a cell into the server's facts (`ProjectFacts`) and ask the enforcer
through `project_roles`, as the server does.
"""

from dataclasses import dataclass

ORG_ROLES = ("OWNER", "MANAGER", "ADMIN", "MEMBER", "VIEWER", "OUTSIDER")  # strongest first
TEAM_ROLES = ("MAINTAINER", "MEMBER")
NON_MEMBER = "NON_MEMBER"
ANONYMOUS = "ANONYMOUS"
VIEWERS = (*ORG_ROLES, NON_MEMBER, ANONYMOUS)

# Casbin subjects for who is signed in (authz.md "The Casbin model").
AUTHENTICATED = "user:authenticated"
ANONYMOUS_SUBJECT = "user:anonymous"
SELF = "user:self"
# The subject an organization carries when it owns a PUBLIC project (authz.md "Organizations
# themselves"): what anyone may see of it.
PUBLIC_OWNER_SUBJECT = "organization:public"
# The subject a connection carries when the viewer reads a project allowed to use it (api.md
# 2026-11-30, "Connections": readers of a project see its connections).
IN_READABLE_PROJECT_SUBJECT = "connection:in_readable_project"

ORGANIZATION_ACTIONS = (
    "read",
    "update",
    "delete",
    "manage_members",
    "manage_teams",
    "manage_webhooks",
    "read_webhooks",
    "manage_connections",
    "create_project",
    "create_service_account",
    "leave",
    "own",
    "read_members",
    "read_details",
    "read_activity",
)
TEAM_ACTIONS = ("read", "update", "delete", "manage_members")
CONNECTION_ACTIONS = ("read", "update", "delete")

Y, N = True, False

# ---- organization: action -> one column per viewer -----------------------------------------
# read: every member, OUTSIDER included. update, manage_members, manage_teams, manage_webhooks
# (the organization's own webhooks): OWNER, MANAGER. manage_connections (the catalogue of
# connections; createConnection): OWNER, MANAGER, ADMIN.
# delete and own (what LAST_OWNER protects): OWNER alone. create_project: OWNER, MANAGER, ADMIN.
# leave: any member (the last OWNER is stopped by LAST_OWNER, not by the policy).
# read_members (the member list and the teams): every member, OUTSIDER included.
# read_details (description and timestamps): every member, OUTSIDER included.
# read_activity (all of the organization's activity): OWNER, MANAGER, ADMIN; others see the
# activity of what they may read.
_ORGANIZATION_TABLE: dict[str, tuple[bool, ...]] = {
    #                 OWNER MANAGER ADMIN MEMBER VIEWER OUTSIDER NON_MEMBER ANONYMOUS
    "read":           (Y,   Y,      Y,    Y,     Y,     Y,       N,         N),
    "update":         (Y,   Y,      N,    N,     N,     N,       N,         N),
    "delete":         (Y,   N,      N,    N,     N,     N,       N,         N),
    "manage_members": (Y,   Y,      N,    N,     N,     N,       N,         N),
    "manage_teams":   (Y,   Y,      N,    N,     N,     N,       N,         N),
    "manage_webhooks": (Y,  Y,      N,    N,     N,     N,       N,         N),
    "read_webhooks":  (Y,   Y,      N,    N,     N,     N,       N,         N),
    "manage_connections": (Y, Y,    Y,    N,     N,     N,       N,         N),
    "create_project": (Y,   Y,      Y,    N,     N,     N,       N,         N),
    "create_service_account": (Y, Y, N,   N,     N,     N,       N,         N),
    "leave":          (Y,   Y,      Y,    Y,     Y,     Y,       N,         N),
    "own":            (Y,   N,      N,    N,     N,     N,       N,         N),
    "read_members":   (Y,   Y,      Y,    Y,     Y,     Y,       N,         N),
    "read_details":   (Y,   Y,      Y,    Y,     Y,     Y,       N,         N),
    "read_activity":  (Y,   Y,      Y,    N,     N,     N,       N,         N),
}  # fmt: skip

# ---- an organization that owns a PUBLIC project, seen from outside --------------------------
# authz.md "Organizations themselves": a non-member sees it only as the owner of a PUBLIC project
# (its name and display name), never its people. For members, owning a PUBLIC project changes
# nothing: their row above holds.
_PUBLIC_OWNER_TABLE: dict[str, tuple[bool, bool]] = {
    #                 NON_MEMBER ANONYMOUS
    "read":           (Y,        Y),
    "update":         (N,        N),
    "delete":         (N,        N),
    "manage_members": (N,        N),
    "manage_teams":   (N,        N),
    "manage_webhooks": (N,       N),
    "read_webhooks":  (N,        N),
    "manage_connections": (N,    N),
    "create_project": (N,        N),
    "create_service_account": (N, N),
    "leave":          (N,        N),
    "own":            (N,        N),
    "read_members":   (N,        N),
    "read_details":   (N,        N),
    "read_activity":  (N,        N),
}  # fmt: skip

# ---- teams: (viewer, team role) -> read, update, delete, manage_members ----------------------
# Every organization member reads teams; OWNER and MANAGER update and delete them; OWNER,
# MANAGER and the team's MAINTAINERs manage its members. A team role never adds reading or
# team settings. Only organization members can be on a team.
_TEAM_TABLE: dict[tuple[str, str | None], tuple[bool, bool, bool, bool]] = {
    #                             read update delete manage_members
    ("OWNER", None):              (Y,  Y,     Y,     Y),
    ("OWNER", "MAINTAINER"):      (Y,  Y,     Y,     Y),
    ("OWNER", "MEMBER"):          (Y,  Y,     Y,     Y),
    ("MANAGER", None):            (Y,  Y,     Y,     Y),
    ("MANAGER", "MAINTAINER"):    (Y,  Y,     Y,     Y),
    ("MANAGER", "MEMBER"):        (Y,  Y,     Y,     Y),
    ("ADMIN", None):              (Y,  N,     N,     N),
    ("ADMIN", "MAINTAINER"):      (Y,  N,     N,     Y),
    ("ADMIN", "MEMBER"):          (Y,  N,     N,     N),
    ("MEMBER", None):             (Y,  N,     N,     N),
    ("MEMBER", "MAINTAINER"):     (Y,  N,     N,     Y),
    ("MEMBER", "MEMBER"):         (Y,  N,     N,     N),
    ("VIEWER", None):             (Y,  N,     N,     N),
    ("VIEWER", "MAINTAINER"):     (Y,  N,     N,     Y),
    ("VIEWER", "MEMBER"):         (Y,  N,     N,     N),
    ("OUTSIDER", None):           (Y,  N,     N,     N),
    ("OUTSIDER", "MAINTAINER"):   (Y,  N,     N,     Y),
    ("OUTSIDER", "MEMBER"):       (Y,  N,     N,     N),
    (NON_MEMBER, None):           (N,  N,     N,     N),
    (ANONYMOUS, None):            (N,  N,     N,     N),
}  # fmt: skip

# ---- connections: (viewer, reads a project allowed to use it) -> read, update, delete ----------
# Every member, OUTSIDER included, reads the organization's connections (as they read its member
# list); OWNER, MANAGER and ADMIN update and delete them. Anyone who reads a project allowed to
# use a connection reads that connection too, member or not, anonymous included; that never
# lets them change it.
_CONNECTION_TABLE: dict[tuple[str, bool], tuple[bool, bool, bool]] = {
    #                         read update delete
    ("OWNER", False):         (Y,  Y,     Y),
    ("OWNER", True):          (Y,  Y,     Y),
    ("MANAGER", False):       (Y,  Y,     Y),
    ("MANAGER", True):        (Y,  Y,     Y),
    ("ADMIN", False):         (Y,  Y,     Y),
    ("ADMIN", True):          (Y,  Y,     Y),
    ("MEMBER", False):        (Y,  N,     N),
    ("MEMBER", True):         (Y,  N,     N),
    ("VIEWER", False):        (Y,  N,     N),
    ("VIEWER", True):         (Y,  N,     N),
    ("OUTSIDER", False):      (Y,  N,     N),
    ("OUTSIDER", True):       (Y,  N,     N),
    (NON_MEMBER, False):      (N,  N,     N),
    (NON_MEMBER, True):       (Y,  N,     N),
    (ANONYMOUS, False):       (N,  N,     N),
    (ANONYMOUS, True):        (Y,  N,     N),
}  # fmt: skip

# ---- granting an organization role: granter -> one column per granted role ------------------
# "A role is granted only at or below one's own" (api.md); OWNER alone grants OWNER (authz.md).
_GRANT_TABLE: dict[str, tuple[bool, ...]] = {
    #             OWNER MANAGER ADMIN MEMBER VIEWER OUTSIDER   (role granted)
    "OWNER":      (Y,   Y,      Y,    Y,     Y,     Y),
    "MANAGER":    (N,   Y,      Y,    Y,     Y,     Y),
    "ADMIN":      (N,   N,      Y,    Y,     Y,     Y),
    "MEMBER":     (N,   N,      N,    Y,     Y,     Y),
    "VIEWER":     (N,   N,      N,    N,     Y,     Y),
    "OUTSIDER":   (N,   N,      N,    N,     N,     Y),
    NON_MEMBER:   (N,   N,      N,    N,     N,     N),
    ANONYMOUS:    (N,   N,      N,    N,     N,     N),
}  # fmt: skip

# ---- service accounts (api.md, authz.md "Decisions of 2026-11-30") -------------------------
# Members (OUTSIDER included) see an organization's service accounts; OWNER and MANAGER change,
# delete them and issue (and see, and revoke) their tokens.
SERVICE_ACCOUNT_ACTIONS = ("read", "update", "delete", "read_tokens", "manage_tokens")
_SERVICE_ACCOUNT_TABLE: dict[str, tuple[bool, ...]] = {
    #                 OWNER MANAGER ADMIN MEMBER VIEWER OUTSIDER NON_MEMBER ANONYMOUS
    "read":           (Y,   Y,      Y,    Y,     Y,     Y,       N,         N),
    "update":         (Y,   Y,      N,    N,     N,     N,       N,         N),
    "delete":         (Y,   Y,      N,    N,     N,     N,       N,         N),
    "read_tokens":    (Y,   Y,      N,    N,     N,     N,       N,         N),
    "manage_tokens":  (Y,   Y,      N,    N,     N,     N,       N,         N),
}  # fmt: skip
# A service account's tokens: OWNER and MANAGER of its organization read and revoke them.
_SERVICE_ACCOUNT_TOKEN_MANAGERS = {
    "OWNER": Y, "MANAGER": Y, "ADMIN": N, "MEMBER": N, "VIEWER": N, "OUTSIDER": N
}  # fmt: skip
# A service account signed in: never creates an organization (it would own it) nor a token of
# its own; it may hold any organization role but OWNER.
SERVICE_ACCOUNT_SUBJECT = "user:service_account"
PERSON_HOLDER = "subject:person"
SERVICE_ACCOUNT_HOLDER = "subject:service_account"

# ---- token scopes ------------------------------------------------------------------------------
# A read-only token: every write refused, every read as its owner's. A token limited to projects:
# the projects outside it neither read nor written; nothing outside projects written.
READ_ONLY_TOKEN = "token:read_only"
PROJECTS_ONLY_TOKEN = "token:projects_only"
OUTSIDE_TOKEN_SCOPE = "token:outside_scope"
READS = frozenset(
    {"read", "read_email", "read_tokens", "read_members", "read_details", "read_activity",
     "read_access", "read_webhooks"}
)  # fmt: skip
# Kinds whose writes a projects-only token may not make (everything outside projects).
OUTSIDE_PROJECTS = frozenset(
    {"organization", "team", "user", "access_token", "service_account", "connection"}
)

# ---- users and access tokens ----------------------------------------------------------------
# Any signed-in user creates organizations and reads users; the anonymous viewer does neither.
# A user's email and tokens are their own (user:self); OWNER and MANAGER of an organization the
# user belongs to also see the email. Tokens are read, created and revoked by their owner only.
_ORG_EMAIL_READERS = {"OWNER": Y, "MANAGER": Y, "ADMIN": N, "MEMBER": N, "VIEWER": N, "OUTSIDER": N}


@dataclass(frozen=True)
class Cell:
    """One decision: may someone holding exactly `roles` do `action` on `kind`?"""

    id: str
    roles: frozenset[str]
    kind: str
    action: str
    allowed: bool


def org_subject(role: str) -> str:
    return f"org:{role.lower()}"


def team_subject(role: str) -> str:
    return f"team:{role.lower()}"


def org_role_object(role: str) -> str:
    return f"org_role:{role.lower()}"


def base_subjects(viewer: str) -> frozenset[str]:
    """Who is signed in: what every request starts from."""
    return frozenset({ANONYMOUS_SUBJECT if viewer == ANONYMOUS else AUTHENTICATED})


def subjects(
    viewer: str, team_role: str | None = None, *, public_owner: bool = False
) -> frozenset[str]:
    """The subjects the server hands the enforcer for this viewer on an organization or team."""
    roles = set(base_subjects(viewer))
    if viewer in ORG_ROLES:
        roles.add(org_subject(viewer))
    if team_role is not None:
        roles.add(team_subject(team_role))
    if public_owner:
        roles.add(PUBLIC_OWNER_SUBJECT)
    return frozenset(roles)


def organization_allows(viewer: str, action: str, *, public_owner: bool = False) -> bool:
    """`public_owner`: the organization owns a PUBLIC project."""
    if public_owner and viewer in (NON_MEMBER, ANONYMOUS):
        return _PUBLIC_OWNER_TABLE[action][(NON_MEMBER, ANONYMOUS).index(viewer)]
    return _ORGANIZATION_TABLE[action][VIEWERS.index(viewer)]


def team_allows(viewer: str, team_role: str | None, action: str) -> bool:
    return _TEAM_TABLE[viewer, team_role][TEAM_ACTIONS.index(action)]


def team_viewers() -> list[tuple[str, str | None]]:
    """Every (viewer, team role) the team table covers, in table order."""
    return list(_TEAM_TABLE)


def connection_allows(viewer: str, in_readable_project: bool, action: str) -> bool:
    return _CONNECTION_TABLE[viewer, in_readable_project][CONNECTION_ACTIONS.index(action)]


def connection_viewers() -> list[tuple[str, bool]]:
    """Every (viewer, reads a project allowed to use the connection) the table covers."""
    return list(_CONNECTION_TABLE)


def connection_subjects(viewer: str, *, in_readable_project: bool) -> frozenset[str]:
    """The subjects the server hands the enforcer for this viewer on a connection."""
    extra = {IN_READABLE_PROJECT_SUBJECT} if in_readable_project else set()
    return subjects(viewer) | extra


def may_grant(granter: str, role: str) -> bool:
    return _GRANT_TABLE[granter][ORG_ROLES.index(role)]


def _user_cells() -> list[Cell]:
    signed_in = frozenset({AUTHENTICATED})
    anonymous = frozenset({ANONYMOUS_SUBJECT})
    self_ = frozenset({AUTHENTICATED, SELF})
    rows: list[tuple[str, frozenset[str], str, str, bool]] = [
        ("signed-in", signed_in, "organization", "create", Y),
        ("signed-in", signed_in, "user", "read", Y),
        ("signed-in", signed_in, "user", "read_email", N),
        ("signed-in", signed_in, "user", "read_tokens", N),
        ("signed-in", signed_in, "access_token", "read", N),
        ("signed-in", signed_in, "access_token", "create", N),
        ("signed-in", signed_in, "access_token", "revoke", N),
        ("anonymous", anonymous, "organization", "create", N),
        ("anonymous", anonymous, "user", "read", N),
        ("anonymous", anonymous, "user", "read_email", N),
        ("anonymous", anonymous, "user", "read_tokens", N),
        ("anonymous", anonymous, "access_token", "read", N),
        ("anonymous", anonymous, "access_token", "create", N),
        ("anonymous", anonymous, "access_token", "revoke", N),
        ("self", self_, "user", "read", Y),
        ("self", self_, "user", "read_email", Y),
        ("self", self_, "user", "read_tokens", Y),
        ("self", self_, "access_token", "read", Y),
        ("self", self_, "access_token", "create", Y),
        ("self", self_, "access_token", "revoke", Y),
    ]
    cells = [
        Cell(f"{who}-{kind}-{action}", roles, kind, action, allowed)
        for who, roles, kind, action, allowed in rows
    ]
    for role, allowed in _ORG_EMAIL_READERS.items():
        roles = subjects(role)
        cells.append(Cell(f"{role}-user-read_email", roles, "user", "read_email", allowed))
        cells.append(Cell(f"{role}-user-read_tokens", roles, "user", "read_tokens", N))
    return cells


def _service_account_cells() -> list[Cell]:
    cells = [
        Cell(
            f"{viewer}-service_account-{action}",
            subjects(viewer),
            "service_account",
            action,
            _SERVICE_ACCOUNT_TABLE[action][VIEWERS.index(viewer)],
        )
        for action in SERVICE_ACCOUNT_ACTIONS
        for viewer in VIEWERS
    ]
    for role, allowed in _SERVICE_ACCOUNT_TOKEN_MANAGERS.items():
        cells.extend(
            Cell(f"{role}-sa-token-{action}", subjects(role), "access_token", action, allowed)
            for action in ("read", "revoke")
        )
        cells.append(Cell(f"{role}-sa-token-create", subjects(role), "access_token", "create", N))
    robot = frozenset({AUTHENTICATED, SERVICE_ACCOUNT_SUBJECT})
    robot_self = robot | {SELF}
    cells += [
        Cell("service-account-organization-create", robot, "organization", "create", N),
        Cell("service-account-user-read", robot, "user", "read", Y),
        Cell("service-account-self-token-create", robot_self, "access_token", "create", N),
        Cell("service-account-self-token-revoke", robot_self, "access_token", "revoke", Y),
        Cell("service-account-self-token-read", robot_self, "access_token", "read", Y),
    ]
    for role in ORG_ROLES:
        for holder, allowed in ((PERSON_HOLDER, Y), (SERVICE_ACCOUNT_HOLDER, role != "OWNER")):
            cells.append(
                Cell(
                    f"{holder}-holds-{role}",
                    frozenset({holder}),
                    org_role_object(role),
                    "hold",
                    allowed,
                )
            )
    return cells


def cells() -> list[Cell]:
    """Every cell of the matrix, each with a readable, unique id."""
    result = [
        Cell(
            f"{viewer}{'+public-projects' if public_owner else ''}-organization-{action}",
            subjects(viewer, public_owner=public_owner),
            "organization",
            action,
            organization_allows(viewer, action, public_owner=public_owner),
        )
        for action in ORGANIZATION_ACTIONS
        for viewer in VIEWERS
        for public_owner in (False, True)
    ]
    result += [
        Cell(
            f"{viewer}+team:{team_role or '-'}-team-{action}",
            subjects(viewer, team_role),
            "team",
            action,
            team_allows(viewer, team_role, action),
        )
        for viewer, team_role in team_viewers()
        for action in TEAM_ACTIONS
    ]
    result += [
        Cell(
            f"{viewer}{'+in-readable-project' if used else ''}-connection-{action}",
            connection_subjects(viewer, in_readable_project=used),
            "connection",
            action,
            connection_allows(viewer, used, action),
        )
        for viewer, used in _CONNECTION_TABLE
        for action in CONNECTION_ACTIONS
    ]
    result += [
        Cell(
            f"{granter}-grants-{role}",
            subjects(granter),
            org_role_object(role),
            "grant",
            may_grant(granter, role),
        )
        for granter in VIEWERS
        for role in ORG_ROLES
    ]
    return result + _user_cells() + _service_account_cells()


# ---- projects -----------------------------------------------------------------------------------
# authz.md "Roles" and "Project visibility", api.md "Mutations" and "Archived projects".

VISIBILITIES = ("PUBLIC", "INTERNAL", "PRIVATE")
PROJECT_ROLES = ("ADMIN", "WRITER", "VIEWER")  # strongest first
PROJECT_ACTIONS = (
    "read",
    "update",
    "delete",
    "archive",  # and unarchive
    "manage_access",
    "read_access",
    "manage_webhooks",
    "read_webhooks",
    "set_promotion_sources",
    "set_connections",
    "create_run",
    "promote",
    "transition",
    "publish_component",
)
RUN_ACTIONS = ("read", "update", "delete")
PROJECT_KIND_ACTIONS = (
    *(("project", action) for action in PROJECT_ACTIONS),
    *(("run", action) for action in RUN_ACTIONS),
)

# What the organization role (or none) gives on a project of each visibility, grants aside.
# OWNER, MANAGER, ADMIN: project ADMIN on every project of their organization. MEMBER: WRITER on
# PUBLIC and INTERNAL. VIEWER: VIEWER on PUBLIC and INTERNAL. OUTSIDER: nothing through the
# organization. Anyone, anonymous included, reads a PUBLIC project (VIEWER).
_ORG_PROJECT_ROLE: dict[str, tuple[str | None, str | None, str | None]] = {
    #             PUBLIC    INTERNAL  PRIVATE
    "OWNER":      ("ADMIN",  "ADMIN",  "ADMIN"),
    "MANAGER":    ("ADMIN",  "ADMIN",  "ADMIN"),
    "ADMIN":      ("ADMIN",  "ADMIN",  "ADMIN"),
    "MEMBER":     ("WRITER", "WRITER", None),
    "VIEWER":     ("VIEWER", "VIEWER", None),
    "OUTSIDER":   ("VIEWER", None,     None),
    NON_MEMBER:   ("VIEWER", None,     None),
    ANONYMOUS:    ("VIEWER", None,     None),
}  # fmt: skip

# (kind, action) -> allowed for project ADMIN, WRITER, VIEWER, no project role; and whether an
# archived project still allows it. VIEWER reads the project and its runs. WRITER also creates and
# updates runs, promotes, moves stages and publishes components. ADMIN also changes settings,
# deletes, archives and unarchives, manages and reads the access list, sets promotion sources and
# the connections the project may use, and deletes runs. An archived project is read-only: every
# write into it is refused; reading, unarchiving and deleting the project stay possible.
_PROJECT_ACTION_TABLE: dict[tuple[str, str], tuple[bool, bool, bool, bool, bool]] = {
    #                                     ADMIN WRITER VIEWER none  when archived
    ("project", "read"):                  (Y,   Y,     Y,     N,    Y),
    ("project", "update"):                (Y,   N,     N,     N,    N),
    ("project", "delete"):                (Y,   N,     N,     N,    Y),
    ("project", "archive"):               (Y,   N,     N,     N,    Y),
    ("project", "manage_access"):         (Y,   N,     N,     N,    N),
    ("project", "read_access"):           (Y,   N,     N,     N,    Y),
    ("project", "manage_webhooks"):       (Y,   N,     N,     N,    N),
    ("project", "read_webhooks"):         (Y,   N,     N,     N,    Y),
    ("project", "set_promotion_sources"): (Y,   N,     N,     N,    N),
    ("project", "set_connections"):       (Y,   N,     N,     N,    N),
    ("project", "create_run"):            (Y,   Y,     N,     N,    N),
    ("project", "promote"):               (Y,   Y,     N,     N,    N),
    ("project", "transition"):            (Y,   Y,     N,     N,    N),
    ("project", "publish_component"):     (Y,   Y,     N,     N,    N),
    ("run", "read"):                      (Y,   Y,     Y,     N,    Y),
    ("run", "update"):                    (Y,   Y,     N,     N,    N),
    ("run", "delete"):                    (Y,   N,     N,     N,    N),
}  # fmt: skip

# The project roles a viewer may hold through grants (to the user, or to one of their teams; to
# the enforcer both are the same fact). Only members, OUTSIDER included, hold grants: a user grant
# needs a membership and only members are on teams. Two grants at once: the strongest counts.
GRANT_SETS: tuple[tuple[str, ...], ...] = (
    (),
    ("ADMIN",),
    ("WRITER",),
    ("VIEWER",),
    ("VIEWER", "ADMIN"),
)


def org_project_role(viewer: str, visibility: str) -> str | None:
    return _ORG_PROJECT_ROLE[viewer][VISIBILITIES.index(visibility)]


def project_role(viewer: str, visibility: str, grants: tuple[str, ...] = ()) -> str | None:
    """The effective project role: the strongest of the organization's and the grants' (a grant
    never lowers, as on GitHub)."""
    held = {org_project_role(viewer, visibility), *grants} - {None}
    return next((role for role in PROJECT_ROLES if role in held), None)


def project_allows(
    viewer: str,
    visibility: str,
    grants: tuple[str, ...],
    archived: bool,
    kind: str,
    action: str,
) -> bool:
    row = _PROJECT_ACTION_TABLE[kind, action]
    role = project_role(viewer, visibility, grants)
    allowed = row[PROJECT_ROLES.index(role) if role is not None else len(PROJECT_ROLES)]
    return allowed and (row[-1] or not archived)


def project_reads(viewer: str, visibility: str, grants: tuple[str, ...] = ()) -> bool:
    return project_allows(viewer, visibility, grants, False, "project", "read")


@dataclass(frozen=True)
class ProjectViewer:
    """A viewer of one project: organization role (or NON_MEMBER, ANONYMOUS), the project's
    visibility, the project roles granted to them."""

    viewer: str
    visibility: str
    grants: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.viewer}-{self.visibility}-{'+'.join(self.grants) or 'no-grant'}"


def project_viewers() -> list[ProjectViewer]:
    """Every (organization role, visibility, grants) the matrix covers."""
    return [
        ProjectViewer(viewer, visibility, grants)
        for viewer in VIEWERS
        for visibility in VISIBILITIES
        for grants in (GRANT_SETS if viewer in ORG_ROLES else ((),))
    ]


@dataclass(frozen=True)
class ProjectCell:
    """One decision: may this viewer do `action` on `kind` in a project (archived or not)?"""

    id: str
    viewer: ProjectViewer
    archived: bool
    kind: str
    action: str
    allowed: bool


def project_cells() -> list[ProjectCell]:
    return [
        ProjectCell(
            f"{viewer.id}-{'archived' if archived else 'active'}-{kind}-{action}",
            viewer,
            archived,
            kind,
            action,
            project_allows(viewer.viewer, viewer.visibility, viewer.grants, archived, kind, action),
        )
        for viewer in project_viewers()
        for archived in (False, True)
        for kind, action in PROJECT_KIND_ACTIONS
    ]


# ---- model and component versions ---------------------------------------------------------------
# api.md "Mutations": versions follow the project role. VIEWER reads; WRITER creates (registers)
# and updates model versions and updates component versions (publishing one is the project's
# `publish_component`); ADMIN deletes. Stage moves are WRITER's, except into or out of PRODUCTION:
# project ADMIN (an ABAC rule on the move's from_stage and to_stage). An archived project refuses
# every write, stage moves included.

STAGES = ("TESTING", "STAGING", "PRODUCTION", "DISABLED")
VERSION_KINDS = ("model_version", "component_version")

_VERSION_ACTION_TABLE: dict[tuple[str, str], tuple[bool, bool, bool, bool, bool]] = {
    #                                  ADMIN WRITER VIEWER none  when archived
    ("model_version", "read"):         (Y,   Y,     Y,     N,    Y),
    ("model_version", "create"):       (Y,   Y,     N,     N,    N),
    ("model_version", "update"):       (Y,   Y,     N,     N,    N),
    ("model_version", "delete"):       (Y,   N,     N,     N,    N),
    ("component_version", "read"):     (Y,   Y,     Y,     N,    Y),
    ("component_version", "update"):   (Y,   Y,     N,     N,    N),
    ("component_version", "delete"):   (Y,   N,     N,     N,    N),
}  # fmt: skip

# (from, to) -> allowed for ADMIN, WRITER, VIEWER, no project role (refused when archived).
_STAGE_MOVE_TABLE: dict[tuple[str, str], tuple[bool, bool, bool, bool]] = {
    #                            ADMIN WRITER VIEWER none
    ("TESTING", "STAGING"):      (Y,   Y,     N,     N),
    ("STAGING", "TESTING"):      (Y,   Y,     N,     N),
    ("STAGING", "DISABLED"):     (Y,   Y,     N,     N),
    ("DISABLED", "TESTING"):     (Y,   Y,     N,     N),
    ("TESTING", "PRODUCTION"):   (Y,   N,     N,     N),
    ("STAGING", "PRODUCTION"):   (Y,   N,     N,     N),
    ("PRODUCTION", "STAGING"):   (Y,   N,     N,     N),
    ("PRODUCTION", "DISABLED"):  (Y,   N,     N,     N),
}  # fmt: skip


# Aliases (`@champion`, api.md "Decisions of 2026-11-30") move like stages: a WRITER sets, moves
# and deletes them, except onto or off a PRODUCTION version, which is for project ADMINs. The
# request carries the stage of the version the alias leaves and of the one it reaches ("" for
# none: an alias set anew, or deleted); ("", "") is asking about aliases at all, before the
# versions are known. Refused when archived.
_ALIAS_MOVE_TABLE: dict[tuple[str, str], tuple[bool, bool, bool, bool]] = {
    #                              ADMIN WRITER VIEWER none
    ("", ""):                      (Y,   Y,     N,     N),
    ("", "TESTING"):               (Y,   Y,     N,     N),
    ("", "STAGING"):               (Y,   Y,     N,     N),
    ("", "DISABLED"):              (Y,   Y,     N,     N),
    ("", "PRODUCTION"):            (Y,   N,     N,     N),
    ("TESTING", "STAGING"):        (Y,   Y,     N,     N),
    ("DISABLED", "TESTING"):       (Y,   Y,     N,     N),
    ("STAGING", "STAGING"):        (Y,   Y,     N,     N),
    ("TESTING", "PRODUCTION"):     (Y,   N,     N,     N),
    ("PRODUCTION", "STAGING"):     (Y,   N,     N,     N),
    ("PRODUCTION", "PRODUCTION"):  (Y,   N,     N,     N),
    ("TESTING", ""):               (Y,   Y,     N,     N),
    ("STAGING", ""):               (Y,   Y,     N,     N),
    ("DISABLED", ""):              (Y,   Y,     N,     N),
    ("PRODUCTION", ""):            (Y,   N,     N,     N),
}  # fmt: skip


def alias_move_allows(role: str | None, archived: bool, move: tuple[str, str]) -> bool:
    """May someone holding `role` on the project (None: no role) move an alias from a version in
    `move[0]` to one in `move[1]`? Either kind of version."""
    column = PROJECT_ROLES.index(role) if role is not None else len(PROJECT_ROLES)
    return _ALIAS_MOVE_TABLE[move][column] and not archived


def alias_moves() -> list[tuple[str, str]]:
    return list(_ALIAS_MOVE_TABLE)


@dataclass(frozen=True)
class VersionCell:
    """One decision on a version, for someone holding `role` on its project (None: no role);
    `move` is a stage move's (from, to) for `transition`, an alias move's stages for `set_alias`."""

    id: str
    role: str | None
    archived: bool
    kind: str
    action: str
    move: tuple[str, str] | None
    allowed: bool


def version_cells() -> list[VersionCell]:
    cells: list[VersionCell] = []
    for role in (*PROJECT_ROLES, None):
        column = PROJECT_ROLES.index(role) if role is not None else len(PROJECT_ROLES)
        for archived in (False, True):
            state = "archived" if archived else "active"
            for (kind, action), row in _VERSION_ACTION_TABLE.items():
                allowed = row[column] and (row[-1] or not archived)
                cells.append(
                    VersionCell(
                        f"{role or 'no-role'}-{state}-{kind}-{action}",
                        role,
                        archived,
                        kind,
                        action,
                        None,
                        allowed,
                    )
                )
            for kind in VERSION_KINDS:
                for move, moves in _STAGE_MOVE_TABLE.items():
                    cells.append(
                        VersionCell(
                            f"{role or 'no-role'}-{state}-{kind}-transition-{move[0]}-{move[1]}",
                            role,
                            archived,
                            kind,
                            "transition",
                            move,
                            moves[column] and not archived,
                        )
                    )
                cells.extend(
                    VersionCell(
                        f"{role or 'no-role'}-{state}-{kind}-set_alias-"
                        f"{move[0] or 'none'}-{move[1] or 'none'}",
                        role,
                        archived,
                        kind,
                        "set_alias",
                        move,
                        alias_move_allows(role, archived, move),
                    )
                    for move in _ALIAS_MOVE_TABLE
                )
    return cells
