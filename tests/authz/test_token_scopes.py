"""A scoped token never does more than its owner: every cell of the permission matrix, asked again
with each scope's roles added, is allowed only if it was allowed without them, and exactly as
authz.md says the scope narrows it. (The HTTP side is `tests/authz/test_scoped_tokens_http.py`.)"""

from pathlib import Path

import pytest

from app.authz.enforcer import NO_ATTRIBUTES, Authorizer, StageMove
from app.authz.roles import Action
from tests.authz import matrix
from tests.authz.matrix import ProjectViewer
from tests.authz.test_enforcer_matrix import (
    CELLS,
    PROJECT_CELLS,
    PROJECT_VIEWERS,
    VERSION_CELLS,
    project_subjects,
)

POLICY_DIR = Path(__file__).resolve().parents[2] / "policies"


@pytest.fixture(scope="module")
def authorizer() -> Authorizer:
    return Authorizer(POLICY_DIR)


@pytest.fixture(autouse=True)
def _empty_database() -> None:
    """These tests ask the policy only."""


def _groups(authorizer: Authorizer) -> dict[str, set[str]]:
    groups: dict[str, set[str]] = {}
    for action, group in authorizer.enforcer.get_named_grouping_policy("g2"):
        groups.setdefault(group, set()).add(action)
    return groups


def test_every_action_is_a_read_a_write_or_a_trait(authorizer: Authorizer) -> None:
    groups = _groups(authorizer)
    assert set(groups) == {"reads", "writes", "traits"}
    classified = [action for members in groups.values() for action in members]
    assert sorted(classified) == sorted({a.value for a in Action}), "each action exactly once"
    assert groups["reads"] == matrix.READS
    # Group names are no action's: a rule on an action never covers its group.
    assert not set(groups) & {a.value for a in Action}


def _read_only(allowed: bool, action: str) -> bool:
    return allowed and (action in matrix.READS or action in {"own", "hold"})


@pytest.mark.parametrize("scope", ["read-only", "projects-only"])
def test_organization_team_user_and_token_cells(authorizer: Authorizer, scope: str) -> None:
    role = matrix.READ_ONLY_TOKEN if scope == "read-only" else matrix.PROJECTS_ONLY_TOKEN
    decided, expected = {}, {}
    for cell in CELLS:
        if cell.action == "hold":  # who may hold a role: not the viewer's token
            continue
        decided[cell.id] = authorizer.allows(cell.roles | {role}, cell.kind, cell.action)
        narrowed = scope == "read-only" or cell.kind in matrix.OUTSIDE_PROJECTS
        expected[cell.id] = _read_only(cell.allowed, cell.action) if narrowed else cell.allowed
    assert decided == expected


@pytest.mark.parametrize("archived", [False, True], ids=["active", "archived"])
@pytest.mark.parametrize("viewer", PROJECT_VIEWERS, ids=[v.id for v in PROJECT_VIEWERS])
def test_project_cells(authorizer: Authorizer, viewer: ProjectViewer, archived: bool) -> None:
    """In a project: read-only takes the writes away, projects-only changes nothing, and a project
    outside the token's scope gives nothing at all."""
    cells = [c for c in PROJECT_CELLS if c.viewer == viewer and c.archived == archived]
    roles = project_subjects(viewer, archived=archived)
    for role, narrow in (
        (matrix.READ_ONLY_TOKEN, _read_only),
        (matrix.PROJECTS_ONLY_TOKEN, lambda allowed, _action: allowed),
        (matrix.OUTSIDE_TOKEN_SCOPE, lambda _allowed, _action: False),
    ):
        decided = {c.id: authorizer.allows(roles | {role}, c.kind, c.action) for c in cells}
        assert decided == {c.id: narrow(c.allowed, c.action) for c in cells}, role


@pytest.mark.parametrize("role", [*matrix.PROJECT_ROLES, None], ids=[*matrix.PROJECT_ROLES, "none"])
def test_version_cells(authorizer: Authorizer, role: str | None) -> None:
    holder = ProjectViewer("OUTSIDER", "PRIVATE", () if role is None else (role,))
    roles = project_subjects(holder, archived=False) | {matrix.READ_ONLY_TOKEN}
    cells = [c for c in VERSION_CELLS if c.role == role and not c.archived]
    decided = {
        c.id: authorizer.allows(
            roles, c.kind, c.action, NO_ATTRIBUTES if c.move is None else StageMove(*c.move)
        )
        for c in cells
    }
    assert decided == {c.id: _read_only(c.allowed, c.action) for c in cells}
