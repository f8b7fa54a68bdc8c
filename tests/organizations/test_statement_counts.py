"""No N+1: the statements a nested query costs do not grow with the page size.

The query is the issue's shape: `organizations { members(first: N) { user } teams(first: N) {
members } }`. Organizations and team members use the default page (20), which keeps N = 100
within the 50,000-node budget (20 + 2,000 + 2,000 + 40,000).
"""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.organizations.models import OrganizationRole
from tests.helpers import (
    Factory,
    GraphQLClient,
    Person,
    StatementCounter,
    seed_populated_organizations,
)

NESTED = """
query Nested($n: Int!) {
  organizations {
    totalCount
    edges { node {
      name viewerRole viewerCan { update manageMembers }
      members(first: $n) { totalCount edges { node { role user { username email } } } }
      teams(first: $n) {
        totalCount
        edges { node {
          name viewerRole viewerCan { manageMembers }
          organization { name }
          members { totalCount edges { node { role user { username } } } }
        } }
      }
    } }
  }
}
"""


@pytest.fixture
async def viewer(factory: Factory, sessions: async_sessionmaker[AsyncSession]) -> Person:
    viewer = await factory.user("viewer")
    await seed_populated_organizations(
        sessions, viewer, organizations=3, members=120, teams=110, team_members=3
    )
    return viewer


async def _statements(gql: GraphQLClient, viewer: Person, counter: StatementCounter, n: int) -> int:
    counter.reset()
    data = await gql.data(NESTED, {"n": n}, as_=viewer)
    organizations = data["organizations"]["edges"]
    assert len(organizations) == 3
    for edge in organizations:
        assert len(edge["node"]["members"]["edges"]) == min(n, 124)
        assert edge["node"]["members"]["totalCount"] == 124
        teams = edge["node"]["teams"]["edges"]
        assert len(teams) == min(n, 110)
        assert all(len(team["node"]["members"]["edges"]) == 3 for team in teams)
    return counter.count


async def test_nested_connections_cost_the_same_for_1_and_100(
    gql: GraphQLClient, viewer: Person, count_statements: StatementCounter
) -> None:
    await _statements(gql, viewer, count_statements, 1)  # warm-up: token's last_used_at
    small = await _statements(gql, viewer, count_statements, 1)
    large = await _statements(gql, viewer, count_statements, 100)
    assert small == large
    # authentication, organizations page and count, one statement per nested loader batch
    assert large <= 15, large


ACCOUNTS = """
query Accounts($n: Int!) {
  organizations(first: 2) {
    edges { node {
      serviceAccounts(first: $n) {
        totalCount
        edges { node {
          role description createdBy { username } organization { name }
          user { username kind } viewerCan { update manageTokens }
          tokens(first: 2) { totalCount edges { node { name readOnly projects { name } } } }
        } }
      }
    } }
  }
}
"""


async def _account_statements(
    gql: GraphQLClient, viewer: Person, counter: StatementCounter, n: int
) -> int:
    counter.reset()
    data = await gql.data(ACCOUNTS, {"n": n}, as_=viewer)
    for edge in data["organizations"]["edges"]:
        accounts = edge["node"]["serviceAccounts"]
        assert accounts["totalCount"] == 60
        assert len(accounts["edges"]) == min(n, 60)
        for account in accounts["edges"]:
            assert account["node"]["user"]["kind"] == "SERVICE_ACCOUNT"
            assert len(account["node"]["tokens"]["edges"]) == 2
    return counter.count


async def test_service_accounts_and_their_tokens_cost_the_same_for_1_and_50(
    gql: GraphQLClient, factory: Factory, count_statements: StatementCounter
) -> None:
    owner = await factory.user("owner")
    for name in ("acme", "globex"):
        organization = await factory.organization(name, owner=owner)
        project = await factory.project(organization, "vision")
        for index in range(60):
            _, robot = await factory.service_account(
                organization, f"{name}-robot-{index}", OrganizationRole.MEMBER
            )
            await factory.token(robot, read_only=True, project_ids=[project])
    await _account_statements(gql, owner, count_statements, 1)  # warm-up: last_used_at
    small = await _account_statements(gql, owner, count_statements, 1)
    large = await _account_statements(gql, owner, count_statements, 50)
    assert small == large, (small, large)
