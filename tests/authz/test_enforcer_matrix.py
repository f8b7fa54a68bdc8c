"""The policy in `policies/` against the permission matrix, cell by cell."""

from pathlib import Path

import pytest

from app.authz.enforcer import Authorizer
from tests.authz import matrix
from tests.authz.matrix import Cell

POLICY_DIR = Path(__file__).resolve().parents[2] / "policies"
CELLS = matrix.cells()


@pytest.fixture(scope="module")
def authorizer() -> Authorizer:
    return Authorizer(POLICY_DIR)


@pytest.mark.parametrize("cell", CELLS, ids=[cell.id for cell in CELLS])
def test_policy_decides_as_the_matrix_says(authorizer: Authorizer, cell: Cell) -> None:
    assert authorizer.allows(cell.roles, cell.kind, cell.action) is cell.allowed


def test_every_kind_and_action_in_the_policy_is_in_the_matrix(authorizer: Authorizer) -> None:
    in_policy = {(rule[1], rule[2]) for rule in authorizer.enforcer.get_policy()}
    in_matrix = {(cell.kind, cell.action) for cell in CELLS}
    assert in_policy - in_matrix == set(), "the policy changed without the matrix"


def test_every_role_in_the_policy_is_in_the_matrix(authorizer: Authorizer) -> None:
    in_matrix = set().union(*(cell.roles for cell in CELLS))
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
