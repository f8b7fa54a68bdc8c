"""Race: lineage never closes a cycle.

`updateRun(upstream:)` refuses an upstream run that is already downstream of the run. Checked on
the graph as each request read it, two writers linking A <- B and B <- A at the same moment both
see no path and both insert: a cycle. Changing edges now holds the organization (lineage lives in
one), so the second check sees the first edge.

Raced `ROUNDS` times on fresh runs A and B: one writer makes B upstream of A while another makes A
upstream of B. After every round at most one of the two edges exists, and the refused request
answered INVALID.
"""

import pytest
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.organizations.models import OrganizationRole
from app.projects.models import ProjectFeature, ProjectVisibility
from app.runs.models import RunEdge
from tests.concurrency.calls import mutation
from tests.concurrency.racing import ROUNDS, Call, Rounds, race, warm_up
from tests.helpers import Factory, GraphQLClient, Person, global_id

UPDATE_RUN = mutation("updateRun", "UpdateRunInput", "run { uuid }")


def link(run_id: int, upstream_id: int, by: Person) -> Call:
    """`by` makes the run `upstream_id` the only upstream run of `run_id`."""
    return Call(
        "updateRun",
        UPDATE_RUN,
        {"id": global_id("Run", run_id), "upstream": [global_id("Run", upstream_id)]},
        by,
    )


@pytest.fixture
async def writers(factory: Factory, racing_gql: GraphQLClient) -> tuple[Person, Person]:
    ann, bob = await factory.user("ann"), await factory.user("bob")
    await warm_up(racing_gql, ann, bob)
    return ann, bob


class TestLineageNeverClosesACycle:
    async def test_two_writers_link_two_runs_each_way(
        self,
        racing_gql: GraphQLClient,
        factory: Factory,
        sessions: async_sessionmaker[AsyncSession],
        writers: tuple[Person, Person],
    ) -> None:
        ann, bob = writers
        rounds = Rounds("lineage never closes a cycle")
        for number in range(ROUNDS):
            organization = await factory.organization(f"acme-{number}", owner=ann)
            await factory.member(organization, bob, OrganizationRole.MEMBER)
            project = await factory.project(
                organization,
                "vision",
                visibility=ProjectVisibility.INTERNAL,
                features=frozenset({ProjectFeature.RUNTIME}),
            )
            a, b = await factory.run(project, "a"), await factory.run(project, "b")
            answers = await race(racing_gql, number, [link(a, b, ann), link(b, a, bob)])
            async with sessions() as session:
                edges = await session.scalar(
                    select(func.count())
                    .select_from(RunEdge)
                    .where(or_(RunEdge.upstream_id.in_([a, b]), RunEdge.downstream_id.in_([a, b])))
                )
            round_ = rounds.judge(number, answers)
            round_.expect(edges == 1, f"{edges} edges between A and B")
            round_.expect(
                sorted(answer.outcome for answer in answers) == ["INVALID", "ok"],
                "not one link and one refusal",
            )
        rounds.assert_held()
