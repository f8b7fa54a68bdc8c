"""The permission matrix as data, copied from the design (api.md "Mutations", authz.md "Roles").

This is deliberately written out by hand and never derived from `policies/policy.csv`: the tests
compare the policy against it, so a policy change must come with a matching change here.

Viewers are the six organization roles plus a signed-in user who is not a member (NON_MEMBER) and
the anonymous viewer (ANONYMOUS). Role names are the `OrganizationRole` / `TeamRole` values.
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

ORGANIZATION_ACTIONS = (
    "read",
    "update",
    "delete",
    "manage_members",
    "manage_teams",
    "create_project",
    "leave",
    "own",
)
TEAM_ACTIONS = ("read", "update", "delete", "manage_members")

Y, N = True, False

# ---- organization: action -> one column per viewer -----------------------------------------
# read: every member, OUTSIDER included. update, manage_members, manage_teams: OWNER, MANAGER.
# delete and own (what LAST_OWNER protects): OWNER alone. create_project: OWNER, MANAGER, ADMIN.
# leave: any member (the last OWNER is stopped by LAST_OWNER, not by the policy).
_ORGANIZATION_TABLE: dict[str, tuple[bool, ...]] = {
    #                 OWNER MANAGER ADMIN MEMBER VIEWER OUTSIDER NON_MEMBER ANONYMOUS
    "read":           (Y,   Y,      Y,    Y,     Y,     Y,       N,         N),
    "update":         (Y,   Y,      N,    N,     N,     N,       N,         N),
    "delete":         (Y,   N,      N,    N,     N,     N,       N,         N),
    "manage_members": (Y,   Y,      N,    N,     N,     N,       N,         N),
    "manage_teams":   (Y,   Y,      N,    N,     N,     N,       N,         N),
    "create_project": (Y,   Y,      Y,    N,     N,     N,       N,         N),
    "leave":          (Y,   Y,      Y,    Y,     Y,     Y,       N,         N),
    "own":            (Y,   N,      N,    N,     N,     N,       N,         N),
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

# ---- users and access tokens ----------------------------------------------------------------
# Any signed-in user creates organizations and reads users; the anonymous viewer does neither.
# A user's email and tokens are their own (user:self); OWNER and MANAGER of an organization the
# user belongs to also see the email. Tokens are created and revoked by their owner only.
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


def subjects(viewer: str, team_role: str | None = None) -> frozenset[str]:
    """The subjects the server hands the enforcer for this viewer on an organization or team."""
    if viewer == ANONYMOUS:
        roles = {ANONYMOUS_SUBJECT}
    elif viewer == NON_MEMBER:
        roles = {AUTHENTICATED}
    else:
        roles = {AUTHENTICATED, org_subject(viewer)}
    if team_role is not None:
        roles.add(team_subject(team_role))
    return frozenset(roles)


def organization_allows(viewer: str, action: str) -> bool:
    return _ORGANIZATION_TABLE[action][VIEWERS.index(viewer)]


def team_allows(viewer: str, team_role: str | None, action: str) -> bool:
    return _TEAM_TABLE[viewer, team_role][TEAM_ACTIONS.index(action)]


def team_viewers() -> list[tuple[str, str | None]]:
    """Every (viewer, team role) the team table covers, in table order."""
    return list(_TEAM_TABLE)


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
        ("signed-in", signed_in, "access_token", "create", N),
        ("signed-in", signed_in, "access_token", "revoke", N),
        ("anonymous", anonymous, "organization", "create", N),
        ("anonymous", anonymous, "user", "read", N),
        ("anonymous", anonymous, "user", "read_email", N),
        ("anonymous", anonymous, "user", "read_tokens", N),
        ("anonymous", anonymous, "access_token", "create", N),
        ("anonymous", anonymous, "access_token", "revoke", N),
        ("self", self_, "user", "read", Y),
        ("self", self_, "user", "read_email", Y),
        ("self", self_, "user", "read_tokens", Y),
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


def cells() -> list[Cell]:
    """Every cell of the matrix, each with a readable, unique id."""
    result = [
        Cell(
            f"{viewer}-organization-{action}",
            subjects(viewer),
            "organization",
            action,
            organization_allows(viewer, action),
        )
        for action in ORGANIZATION_ACTIONS
        for viewer in VIEWERS
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
            f"{granter}-grants-{role}",
            subjects(granter),
            org_role_object(role),
            "grant",
            may_grant(granter, role),
        )
        for granter in VIEWERS
        for role in ORG_ROLES
    ]
    return result + _user_cells()
