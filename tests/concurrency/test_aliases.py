"""Races: an alias names one version of a model at a time, every move of it is recorded in
order, and moving it onto or off a PRODUCTION version is decided on the stage the version has
when the alias moves.

`setModelVersionAlias` moves an alias from the version holding it. Decided on a holder read
earlier and written later, two moves that overlap both start from the same holder: the history
says the alias left one version twice, or two versions hold it (the insert of a new alias raced
the same way). The design says one version per alias per project "at any time", decided on
locked rows.

1. Many moves of one alias among four versions, by three people, `ROUNDS` times (some rounds
   delete it too, so the next moves set it anew). After every round: exactly one version holds
   it (none just after a winning delete); the history (the activity log, oldest first) is a
   chain, each entry starting where the one before it ended, never from a version to itself;
   it has one entry per move that changed something (a move's answer says where the alias was:
   `previousModelVersion`), and the entries of the round are exactly the moves answered.

2. A writer moves an alias off (or onto) a TESTING version while the project's admin moves that
   version into PRODUCTION. Either serial order is allowed (writer first: both succeed; admin
   first: the writer's move touches a PRODUCTION version and is FORBIDDEN). Decided on a stage
   read earlier, the writer's move lands after the version entered PRODUCTION. After every round:
   the admin's move succeeded, the writer's succeeded or was FORBIDDEN, and if it succeeded, it
   is recorded before the stage move (the server's clock stamps both, each after taking its
   locks).

3. An admin deletes the version holding an alias while a writer moves the alias to another
   version: both succeed, whichever goes first, and the alias ends on the other version.

Runs on SQLite as on PostgreSQL: each request has its own connection.
"""

import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from app.organizations.models import OrganizationRole
from app.projects.models import ProjectFeature, ProjectRole, ProjectVisibility
from app.versions.models import Stage
from tests.concurrency.calls import delete_alias, delete_version, move, set_alias
from tests.concurrency.racing import ROUNDS, Rounds, race, warm_up
from tests.helpers import Factory, GraphQLClient, Person

MOVES_PER_ROUND = 6

HOLDERS = """
{ project(owner: "acme", name: "fraud") { modelVersions(first: 100) { edges { node {
  name aliases
} } } } }
"""
HISTORY = """
query($verbs: [String!], $after: String) {
  organization(name: "acme") {
    activity(first: 100, after: $after, filter: {verbs: $verbs}) {
      pageInfo { hasNextPage endCursor }
      edges { node { verb at details } }
    }
  }
}
"""


@dataclass(frozen=True)
class Registry:
    project_id: int
    admin: Person
    writers: tuple[Person, Person]  # an organization MEMBER, and a VIEWER with a WRITER grant


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
    return Registry(project, admin, (member_writer, granted_writer))


@dataclass(frozen=True)
class Entry:
    """One recorded alias change: from which version to which (None: set anew, or deleted)."""

    verb: str
    alias: str
    was: str | None
    now: str | None
    at: datetime

    def __repr__(self) -> str:
        return f"{self.alias}: {self.was} -> {self.now}"


async def holders_of(gql: GraphQLClient, reader: Person) -> dict[str, list[str]]:
    """Each version's aliases."""
    data = await gql.data(HOLDERS, as_=reader)
    edges = data["project"]["modelVersions"]["edges"]
    return {edge["node"]["name"]: edge["node"]["aliases"] for edge in edges}


async def history(gql: GraphQLClient, reader: Person, verbs: list[str]) -> list[Entry]:
    """The log's entries of `verbs`, oldest first (the log pages newest first)."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        data = await gql.data(HISTORY, {"verbs": verbs, "after": after}, as_=reader)
        page = data["organization"]["activity"]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    return [
        Entry(
            node["verb"],
            node["details"]["alias"],
            node["details"]["from"],
            node["details"]["to"],
            datetime.fromisoformat(node["at"]),
        )
        for node in reversed(nodes)
    ]


def answered_change(payload: dict[str, Any] | None, field: str) -> tuple[str | None, str | None]:
    """(from, to) as a successful answer says it: a move's previous and new holder, a deletion's
    holder and none."""
    assert payload is not None
    if field == "deleteModelVersionAlias":
        return payload["modelVersion"]["name"], None
    previous = payload["previousModelVersion"]
    return (None if previous is None else previous["name"]), payload["modelVersion"]["name"]


class TestOneVersionPerAlias:
    async def test_concurrent_moves_leave_one_holder_and_a_history_in_order(
        self, racing_gql: GraphQLClient, factory: Factory, registry: Registry
    ) -> None:
        stages = (Stage.TESTING, Stage.STAGING, Stage.TESTING, Stage.DISABLED)
        versions = [
            await factory.model_version(registry.project_id, f"m{number}", stage=stage)
            for number, stage in enumerate(stages)
        ]
        people = (registry.admin, *registry.writers)
        verbs = ["model_version.alias_set", "model_version.alias_deleted"]
        rounds = Rounds("one version per alias, every move recorded in order")
        recorded = 0
        for number in range(ROUNDS):
            calls = [
                set_alias(
                    versions[(number + index * (number % 3 + 1)) % len(versions)],
                    people[index % len(people)],
                    "champion",
                )
                for index in range(MOVES_PER_ROUND)
            ]
            if number % 4 == 3:  # now and then the alias goes, and later moves set it anew
                calls[number % MOVES_PER_ROUND] = delete_alias(
                    registry.project_id, registry.writers[0], "champion"
                )
            answers = await race(racing_gql, number, calls)
            held = await holders_of(racing_gql, registry.admin)
            entries = await history(racing_gql, registry.admin, verbs)
            round_ = rounds.judge(number, answers)

            holders = [name for name, aliases in held.items() if "champion" in aliases]
            round_.expect(len(holders) <= 1, f"held by {holders}")
            for answer in answers:
                deleting = answer.call.field == "deleteModelVersionAlias"
                # A deletion may find the alias gone already (deleted by no other call here, but
                # it may run before any set of a round that starts without the alias).
                allowed = {"ok", "NOT_FOUND"} if deleting else {"ok"}
                round_.expect(answer.outcome in allowed, f"{answer!r} answered {answer.body}")

            changes = [
                answered_change(answer.payload, answer.call.field)
                for answer in answers
                if answer.succeeded
            ]
            changes = [(was, now) for was, now in changes if was != now]
            new = entries[recorded:]
            recorded = len(entries)
            round_.expect(
                sorted(changes, key=str) == sorted(((e.was, e.now) for e in new), key=str),
                f"answered {changes}, recorded {new}",
            )
            round_.expect(
                all(e.was != e.now for e in new), f"a change from a version to itself: {new}"
            )
            chain = list(itertools.pairwise(entries))
            broken = [(a, b) for a, b in chain if b.was != a.now]
            round_.expect(not broken, f"the history is no chain: {broken}")
            round_.expect(entries[0].was is None if entries else True, f"starts from {entries[:1]}")
            last = entries[-1].now if entries else None
            round_.expect(holders == ([] if last is None else [last]), f"{holders} vs {last}")
            round_.expect(
                all(a.at <= b.at for a, b in chain), "the log's order is not its times' order"
            )
        rounds.assert_held()
        assert recorded > ROUNDS, "the alias hardly moved: the race tested nothing"


@dataclass(frozen=True)
class Scenario:
    """The writer's alias move, where the version the admin puts in PRODUCTION stands in it."""

    name: str
    onto: bool  # the writer moves the alias onto that version (else off it)


SCENARIOS = [Scenario("off", onto=False), Scenario("onto", onto=True)]


class TestOnlyAnAdminMovesAliasesAtProduction:
    @pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
    async def test_a_writer_moves_an_alias_while_the_admin_puts_its_version_in_production(
        self,
        racing_gql: GraphQLClient,
        factory: Factory,
        registry: Registry,
        scenario: Scenario,
    ) -> None:
        writer = registry.writers[0]
        admin = registry.admin
        rounds = Rounds(f"only an ADMIN moves an alias {scenario.name} PRODUCTION")
        for number in range(ROUNDS):
            promoted = await factory.model_version(registry.project_id, f"p{number}")
            other = await factory.model_version(registry.project_id, f"o{number}")
            alias = f"champion-{number}"
            holder, target = (other, promoted) if scenario.onto else (promoted, other)
            await factory.alias(registry.project_id, holder, alias)
            answers = await race(
                racing_gql,
                number,
                [set_alias(target, writer, alias), move(promoted, admin, Stage.PRODUCTION)],
            )
            aliasing, promoting = answers
            entries = await history(racing_gql, admin, ["model_version.alias_set"])
            round_ = rounds.judge(number, answers)
            round_.expect(promoting.outcome == "ok", "the admin's move was refused")
            round_.expect(
                aliasing.outcome in {"ok", "FORBIDDEN"},
                "the writer's move neither done nor refused",
            )
            if aliasing.outcome == "ok":
                mine = [e for e in entries if e.alias == alias]
                stage_moves = await stage_moved_at(racing_gql, admin, f"p{number}")
                round_.expect(
                    len(mine) == 1 and mine[0].at < stage_moves,
                    f"the writer's move {mine} was recorded after the version entered "
                    f"PRODUCTION at {stage_moves}",
                )
        rounds.assert_held()


class TestDeletingAVersionWhileItsAliasMoves:
    async def test_the_alias_ends_on_the_version_it_moved_to(
        self, racing_gql: GraphQLClient, factory: Factory, registry: Registry
    ) -> None:
        """A deletion takes the version's aliases with it (cascade) while a move takes the alias
        from it: locked in different orders (the version, then its alias; the alias, then its
        versions), PostgreSQL would find a deadlock and fail one of them. Either serial order
        ends with the alias on the version it moved to, recorded as a chain."""
        writer, admin = registry.writers[0], registry.admin
        rounds = Rounds("deleting a version while its alias moves")
        verbs = ["model_version.alias_set", "model_version.alias_deleted"]
        for number in range(ROUNDS):
            doomed = await factory.model_version(registry.project_id, f"d{number}")
            target = await factory.model_version(registry.project_id, f"t{number}")
            alias = f"champion-{number}"
            await factory.alias(registry.project_id, doomed, alias)
            answers = await race(
                racing_gql,
                number,
                [set_alias(target, writer, alias), delete_version(doomed, admin)],
            )
            held = await holders_of(racing_gql, admin)
            entries = [e for e in await history(racing_gql, admin, verbs) if e.alias == alias]
            round_ = rounds.judge(number, answers)
            round_.expect(all(a.outcome == "ok" for a in answers), "a request failed")
            round_.expect(held.get(f"t{number}") == [alias], f"held: {held.get(f't{number}')}")
            round_.expect(
                [(e.was, e.now) for e in entries]
                in ([(f"d{number}", f"t{number}")], [(f"d{number}", None), (None, f"t{number}")]),
                f"history {entries}",
            )
        rounds.assert_held()


STAGE_HISTORY = """
query($name: String!) {
  project(owner: "acme", name: "fraud") {
    modelVersion(name: $name) { stage stageConditions { stage at } }
  }
}
"""


async def stage_moved_at(gql: GraphQLClient, reader: Person, name: str) -> datetime:
    """When the version entered PRODUCTION (its only move)."""
    data = await gql.data(STAGE_HISTORY, {"name": name}, as_=reader)
    version = data["project"]["modelVersion"]
    assert version["stage"] == "PRODUCTION"
    (moved,) = [c for c in version["stageConditions"] if c["stage"] == "PRODUCTION"]
    return datetime.fromisoformat(moved["at"])
