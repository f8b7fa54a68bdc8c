"""The policy in `policies/` against the permission matrix, cell by cell."""

from pathlib import Path

import pytest

from app.authz.enforcer import NO_ATTRIBUTES, Authorizer, StageMove
from app.authz.roles import (
    ProjectFacts,
    ProjectReaders,
    effective_project_role,
    project_readers,
    project_roles,
)
from app.organizations.models import OrganizationRole
from app.projects.models import ProjectRole, ProjectVisibility
from tests.authz import matrix
from tests.authz.matrix import Cell, ProjectViewer

POLICY_DIR = Path(__file__).resolve().parents[2] / "policies"
CELLS = matrix.cells()
PROJECT_CELLS = matrix.project_cells()
PROJECT_VIEWERS = matrix.project_viewers()
VERSION_CELLS = matrix.version_cells()


@pytest.fixture(scope="module")
def authorizer() -> Authorizer:
    return Authorizer(POLICY_DIR)


@pytest.fixture(autouse=True)
def _empty_database() -> None:
    """These tests ask the policy only: no database to create, nothing to empty after each."""


def project_subjects(viewer: ProjectViewer, *, archived: bool) -> set[str]:
    """What the server hands the enforcer for this viewer on such a project: the database's facts
    turned into role names by the server's own `project_roles`."""
    facts = ProjectFacts(
        visibility=ProjectVisibility(viewer.visibility),
        archived=archived,
        org_membership=OrganizationRole(viewer.viewer)
        if viewer.viewer in matrix.ORG_ROLES
        else None,
        grants=frozenset(ProjectRole(grant) for grant in viewer.grants),
    )
    return project_roles(facts, matrix.base_subjects(viewer.viewer))


@pytest.mark.parametrize("cell", CELLS, ids=[cell.id for cell in CELLS])
def test_policy_decides_as_the_matrix_says(authorizer: Authorizer, cell: Cell) -> None:
    assert authorizer.allows(cell.roles, cell.kind, cell.action) is cell.allowed


@pytest.mark.parametrize("archived", [False, True], ids=["active", "archived"])
@pytest.mark.parametrize("viewer", PROJECT_VIEWERS, ids=[v.id for v in PROJECT_VIEWERS])
def test_policy_decides_projects_as_the_matrix_says(
    authorizer: Authorizer, viewer: ProjectViewer, archived: bool
) -> None:
    """Every project and run cell of this viewer at once (a dict diff names the cells that differ;
    one test per cell would spend its time emptying the database between them)."""
    cells = [c for c in PROJECT_CELLS if c.viewer == viewer and c.archived == archived]
    assert len(cells) == len(matrix.PROJECT_KIND_ACTIONS)
    roles = project_subjects(viewer, archived=archived)
    decided = {cell.id: authorizer.allows(roles, cell.kind, cell.action) for cell in cells}
    assert decided == {cell.id: cell.allowed for cell in cells}, sorted(roles)


@pytest.mark.parametrize("archived", [False, True], ids=["active", "archived"])
@pytest.mark.parametrize("viewer", PROJECT_VIEWERS, ids=[v.id for v in PROJECT_VIEWERS])
def test_effective_project_role_is_the_strongest_that_applies(
    authorizer: Authorizer, viewer: ProjectViewer, archived: bool
) -> None:
    expected = matrix.project_role(viewer.viewer, viewer.visibility, viewer.grants)
    role = effective_project_role(authorizer, project_subjects(viewer, archived=archived))
    assert role == (None if expected is None else ProjectRole(expected))


@pytest.mark.parametrize("visibility", matrix.VISIBILITIES)
def test_project_readers_feed_the_sql_filter_what_the_matrix_says(
    authorizer: Authorizer, visibility: str
) -> None:
    """`readable_projects` is built from `project_readers`: it must name the matrix's readers."""
    assert project_readers(authorizer, ProjectVisibility(visibility)) == ProjectReaders(
        anonymous=matrix.project_reads(matrix.ANONYMOUS, visibility),
        signed_in=matrix.project_reads(matrix.NON_MEMBER, visibility),
        org_roles=tuple(
            OrganizationRole(role)
            for role in matrix.ORG_ROLES
            if matrix.project_reads(role, visibility)
        ),
        grant_roles=tuple(
            ProjectRole(role)
            for role in matrix.PROJECT_ROLES
            if matrix.project_reads(matrix.NON_MEMBER, visibility, (role,))
        ),
    )


@pytest.mark.parametrize("archived", [False, True], ids=["active", "archived"])
@pytest.mark.parametrize("role", [*matrix.PROJECT_ROLES, None], ids=[*matrix.PROJECT_ROLES, "none"])
def test_policy_decides_versions_as_the_matrix_says(
    authorizer: Authorizer, role: str | None, archived: bool
) -> None:
    """Versions, by project role: asked for an OUTSIDER on a PRIVATE project, whose only role
    there is the one granted; stage moves carry their stages as the ABAC rule's attributes."""
    holder = ProjectViewer("OUTSIDER", "PRIVATE", () if role is None else (role,))
    roles = project_subjects(holder, archived=archived)
    cells = [c for c in VERSION_CELLS if c.role == role and c.archived == archived]
    decided = {
        cell.id: authorizer.allows(
            roles,
            cell.kind,
            cell.action,
            NO_ATTRIBUTES if cell.move is None else StageMove(*cell.move),
        )
        for cell in cells
    }
    assert decided == {cell.id: cell.allowed for cell in cells}, sorted(roles)


def test_every_kind_and_action_in_the_policy_is_in_the_matrix(authorizer: Authorizer) -> None:
    # `*` and the action groups (`writes`, `reads`) are the token scopes' deny rules, checked
    # cell by cell in test_token_scopes.py.
    in_policy = {
        (rule[1], rule[2])
        for rule in authorizer.enforcer.get_policy()
        if rule[2] not in {"reads", "writes"}
    }
    in_matrix = (
        {(cell.kind, cell.action) for cell in CELLS}
        | {(cell.kind, cell.action) for cell in PROJECT_CELLS}
        | {(cell.kind, cell.action) for cell in VERSION_CELLS}
    )
    assert in_policy - in_matrix == set(), "the policy changed without the matrix"


def test_every_role_in_the_policy_is_in_the_matrix(authorizer: Authorizer) -> None:
    in_matrix = set().union(
        *(cell.roles for cell in CELLS),
        *(project_subjects(cell.viewer, archived=cell.archived) for cell in PROJECT_CELLS),
        # The token scopes' roles: their cells are in test_token_scopes.py.
        {matrix.READ_ONLY_TOKEN, matrix.PROJECTS_ONLY_TOKEN, matrix.OUTSIDE_TOKEN_SCOPE},
        # Who may hold a role: `subject:any` is what both kinds of holder inherit.
        {"subject:any"},
    )
    assert authorizer.role_names - in_matrix == set(), "the policy changed without the matrix"


def test_every_organization_subject_and_only_those_read_organizations(
    authorizer: Authorizer,
) -> None:
    assert authorizer.roles_allowing("organization", "read") == {
        "org:owner",
        "org:manager",
        "org:admin",
        "org:member",
        "org:viewer",
        "org:outsider",
        "organization:public",  # a non-member sees the owner of a PUBLIC project
    }


def test_no_roles_allow_nothing(authorizer: Authorizer) -> None:
    assert not authorizer.allows([], "organization", "read")


@pytest.mark.parametrize("granter", matrix.ORG_ROLES)
def test_grant_table_is_at_or_below_own_role(granter: str) -> None:
    """The hand-written grant table says what api.md says: at or below one's own role."""
    rank = matrix.ORG_ROLES.index
    assert [matrix.may_grant(granter, role) for role in matrix.ORG_ROLES] == [
        rank(role) >= rank(granter) for role in matrix.ORG_ROLES
    ]


@pytest.mark.parametrize("viewer", matrix.VIEWERS)
@pytest.mark.parametrize("visibility", matrix.VISIBILITIES)
def test_a_grant_never_lowers_the_organization_role(viewer: str, visibility: str) -> None:
    """The hand-written tables say what authz.md says: the strongest role that applies wins."""
    rank = [*matrix.PROJECT_ROLES, None].index
    implied = matrix.org_project_role(viewer, visibility)
    for grant in matrix.PROJECT_ROLES:
        effective = matrix.project_role(viewer, visibility, (grant,))
        assert rank(effective) == min(rank(implied), rank(grant))
