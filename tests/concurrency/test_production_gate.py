"""Race: only a project ADMIN moves a model version into or out of PRODUCTION, decided on the
stage the version has when it is moved.

`transitionModelVersionStage` authorizes the move (from_stage -> to_stage, an ABAC rule in the
policy) on the version it read. A writer's TESTING -> DISABLED is allowed; an admin's
TESTING -> PRODUCTION too. Decided on a stage read earlier and written later, the writer's move
lands on a version the admin has just put in PRODUCTION: a writer takes it out of production,
which the policy forbids. The design says such a rule is "decided on locked rows or by a
conditional write whose row count is checked".

Raced, `ROUNDS` times each on a fresh TESTING version: a writer (an organization MEMBER of the
INTERNAL project, or an organization VIEWER with a WRITER grant) moves it to DISABLED while the
project's admin moves it to PRODUCTION. Either serial order ends in PRODUCTION (admin first: the
writer's PRODUCTION -> DISABLED is FORBIDDEN; writer first: the admin's DISABLED -> PRODUCTION is
allowed). After every round: the version is in PRODUCTION, its stage history (oldest first) has
no move out of PRODUCTION by anyone but the admin, and its last condition is its stage.

Runs on SQLite as on PostgreSQL: each request has its own connection. Without locks both read the
version (TESTING) before either wrote (on SQLite, too: its reads ran outside any transaction).
"""

import itertools
from dataclasses import dataclass

import pytest

from app.organizations.models import OrganizationRole
from app.projects.models import ProjectFeature, ProjectRole, ProjectVisibility
from app.versions.models import Stage
from tests.concurrency.calls import move
from tests.concurrency.racing import ROUNDS, Rounds, race, warm_up
from tests.helpers import Factory, GraphQLClient, Person, global_id

HISTORY = """
query($id: ID!) { node(id: $id) { ... on ModelVersion {
  stage stageConditions { stage actor { username } }
} } }
"""


@dataclass(frozen=True)
class Registry:
    project_id: int
    admin: Person
    member_writer: Person  # an organization MEMBER: a writer of the INTERNAL project
    granted_writer: Person  # an organization VIEWER with a WRITER grant on the project


@pytest.fixture
async def registry(factory: Factory, racing_gql: GraphQLClient) -> Registry:
    owner = await factory.user("owner")
    admin = await factory.user("mlops")
    member_writer = await factory.user("scientist")
    granted_writer = await factory.user("contractor")
    organization = await factory.organization("acme", owner=owner)
    await factory.member(organization, admin, OrganizationRole.MEMBER)
    await factory.member(organization, member_writer, OrganizationRole.MEMBER)
    await factory.member(organization, granted_writer, OrganizationRole.VIEWER)
    project = await factory.project(
        organization,
        "fraud",
        visibility=ProjectVisibility.INTERNAL,
        features=frozenset({ProjectFeature.MODEL}),
    )
    await factory.grant(project, ProjectRole.ADMIN, person=admin)
    await factory.grant(project, ProjectRole.WRITER, person=granted_writer)
    await warm_up(racing_gql, admin, member_writer, granted_writer)
    return Registry(project, admin, member_writer, granted_writer)


@dataclass(frozen=True)
class Condition:
    """One entry of a version's stage history: where it went, and who moved it."""

    stage: Stage
    actor: str | None

    def __repr__(self) -> str:
        return f"{self.stage.value} by {self.actor}"


async def stage_history(
    gql: GraphQLClient, version_id: int, reader: Person
) -> tuple[Stage, list[Condition]]:
    """The version's stage and its conditions, oldest first, as the API gives them."""
    data = await gql.data(HISTORY, {"id": global_id("ModelVersion", version_id)}, as_=reader)
    node = data["node"]
    return Stage(node["stage"]), [
        Condition(Stage(c["stage"]), c["actor"]["username"] if c["actor"] else None)
        for c in node["stageConditions"]
    ]


def moves_out_of_production(history: list[Condition]) -> list[Condition]:
    return [
        later
        for earlier, later in itertools.pairwise(history)
        if earlier.stage is Stage.PRODUCTION and later.stage is not Stage.PRODUCTION
    ]


class TestOnlyAnAdminMovesIntoOrOutOfProduction:
    @pytest.mark.parametrize("writer_kind", ["member_writer", "granted_writer"])
    async def test_a_writer_disables_while_the_admin_puts_it_in_production(
        self, racing_gql: GraphQLClient, factory: Factory, registry: Registry, writer_kind: str
    ) -> None:
        writer: Person = getattr(registry, writer_kind)
        admin = registry.admin
        rounds = Rounds(f"only an ADMIN moves out of PRODUCTION ({writer_kind} vs admin)")
        for number in range(ROUNDS):
            version = await factory.model_version(registry.project_id, f"v{number}")
            answers = await race(
                racing_gql,
                number,
                [move(version, writer, Stage.DISABLED), move(version, admin, Stage.PRODUCTION)],
            )
            disabling, promoting = answers
            stage, history = await stage_history(racing_gql, version, admin)
            round_ = rounds.judge(number, answers)
            round_.expect(stage is Stage.PRODUCTION, f"ended in {stage.value}: {history}")
            round_.expect(promoting.outcome == "ok", "the admin's move was refused")
            round_.expect(
                disabling.outcome in {"ok", "FORBIDDEN"},
                "the writer's move neither done nor refused",
            )
            by_others = [c for c in moves_out_of_production(history) if c.actor != admin.username]
            round_.expect(by_others == [], f"moved out of PRODUCTION by {by_others}: {history}")
            round_.expect(
                bool(history) and history[-1].stage is stage,
                f"last condition is not {stage}: {history}",
            )
        rounds.assert_held()
