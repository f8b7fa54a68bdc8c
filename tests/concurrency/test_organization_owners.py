"""Race: an organization always keeps an OWNER, when its only two owners act at the same moment.

`updateOrganizationMemberRole` and `removeOrganizationMember` refuse to take the last owner away
(`LAST_OWNER`). Decided on a count read earlier and written later, two requests both count two
owners and both go ahead, and the organization is left with none. The design says such a rule is
"decided on locked rows or by a conditional write whose row count is checked".

Raced, `ROUNDS` times each on a fresh organization whose only members are two owners, Ann and
Bob: they demote each other; they both leave; Ann demotes Bob while Bob leaves; Ann demotes Bob
while leaving herself (two tabs). After every round the organization has an OWNER, and the
answers are what some serial order of the two requests gives: the loser gets `LAST_OWNER`,
`FORBIDDEN` (a demoted owner may no longer manage members) or `NOT_FOUND` (one who left no longer
sees the organization), never INTERNAL_SERVER_ERROR, and never do both requests win.

Runs on SQLite as on PostgreSQL: each request has its own connection. Without locks both requests
counted two owners before either wrote (on SQLite, too: its reads ran outside any transaction).
"""

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.organizations.models import OrganizationMember, OrganizationRole
from app.users.models import User
from tests.concurrency.calls import demote, leave
from tests.concurrency.racing import ROUNDS, Answer, Rounds, race, warm_up
from tests.helpers import Factory, GraphQLClient, Person

OWNER = OrganizationRole.OWNER.value
# How the losing request of a round may be refused.
REFUSALS = ("LAST_OWNER", "FORBIDDEN", "NOT_FOUND")


@dataclass(frozen=True)
class TwoOwners:
    ann: Person
    bob: Person


@pytest.fixture
async def two_owners(factory: Factory, racing_gql: GraphQLClient) -> TwoOwners:
    owners = TwoOwners(await factory.user("ann"), await factory.user("bob"))
    await warm_up(racing_gql, owners.ann, owners.bob)
    return owners


async def organization_owned_by(factory: Factory, owners: TwoOwners, number: int) -> int:
    organization = await factory.organization(f"acme-{number}", owner=owners.ann)
    await factory.member(organization, owners.bob, OrganizationRole.OWNER)
    return organization


async def roles_in(
    sessions: async_sessionmaker[AsyncSession], organization_id: int
) -> dict[str, str]:
    """Every member's role, by username, read from the database."""
    async with sessions() as session:
        rows = await session.execute(
            select(User.username, OrganizationMember.role)
            .join(OrganizationMember, OrganizationMember.user_id == User.id)
            .where(OrganizationMember.organization_id == organization_id)
        )
        return {username: role.value for username, role in rows}


def outcomes(answers: list[Answer]) -> list[str]:
    return sorted(answer.outcome for answer in answers)


class TestAnOrganizationAlwaysKeepsAnOwner:
    async def test_the_two_owners_demote_each_other(
        self,
        racing_gql: GraphQLClient,
        factory: Factory,
        sessions: async_sessionmaker[AsyncSession],
        two_owners: TwoOwners,
    ) -> None:
        ann, bob = two_owners.ann, two_owners.bob
        rounds = Rounds("an organization keeps an OWNER (the two owners demote each other)")
        for number in range(ROUNDS):
            organization = await organization_owned_by(factory, two_owners, number)
            answers = await race(
                racing_gql, number, [demote(organization, ann, bob), demote(organization, bob, ann)]
            )
            roles = await roles_in(sessions, organization)
            round_ = rounds.judge(number, answers)
            round_.expect(OWNER in roles.values(), f"no OWNER left: {roles}")
            # The first demotion stands; the other owner is a MEMBER by then (FORBIDDEN) or the
            # last owner (LAST_OWNER).
            round_.expect(
                outcomes(answers) in (["FORBIDDEN", "ok"], ["LAST_OWNER", "ok"]),
                "not one demotion and one refusal",
            )
        rounds.assert_held()

    async def test_the_two_owners_leave_together(
        self,
        racing_gql: GraphQLClient,
        factory: Factory,
        sessions: async_sessionmaker[AsyncSession],
        two_owners: TwoOwners,
    ) -> None:
        ann, bob = two_owners.ann, two_owners.bob
        rounds = Rounds("an organization keeps an OWNER (the two owners leave together)")
        for number in range(ROUNDS):
            organization = await organization_owned_by(factory, two_owners, number)
            answers = await race(
                racing_gql, number, [leave(organization, ann), leave(organization, bob)]
            )
            roles = await roles_in(sessions, organization)
            round_ = rounds.judge(number, answers)
            round_.expect(OWNER in roles.values(), f"no OWNER left: {roles}")
            round_.expect(
                outcomes(answers) in (["FORBIDDEN", "ok"], ["LAST_OWNER", "ok"]),
                "not one departure and one refusal",
            )
        rounds.assert_held()

    async def test_an_owner_demotes_the_other_while_the_other_leaves(
        self,
        racing_gql: GraphQLClient,
        factory: Factory,
        sessions: async_sessionmaker[AsyncSession],
        two_owners: TwoOwners,
    ) -> None:
        """Ann stays an owner whatever happens; what is raced is Bob's row (updated or deleted)."""
        ann, bob = two_owners.ann, two_owners.bob
        rounds = Rounds("an organization keeps an OWNER (Ann demotes Bob while Bob leaves)")
        for number in range(ROUNDS):
            organization = await organization_owned_by(factory, two_owners, number)
            answers = await race(
                racing_gql, number, [demote(organization, ann, bob), leave(organization, bob)]
            )
            demotion, leaving = answers
            roles = await roles_in(sessions, organization)
            round_ = rounds.judge(number, answers)
            round_.expect(roles == {ann.username: OWNER}, f"members: {roles}")
            # Bob leaves either way: as an OWNER while Ann remains one, or demoted first, as a
            # MEMBER (refusing him LAST_OWNER then decides on his role read before the
            # demotion). A demotion after he left finds no such member: a userError, no crash.
            round_.expect(
                leaving.outcome == "ok",
                f"Bob could not leave ({leaving.outcome}; every serial order lets him)",
            )
            round_.expect(
                demotion.outcome in {"ok", "NOT_FOUND"}, "the demotion neither done nor refused"
            )
        rounds.assert_held()

    async def test_an_owner_demotes_the_other_while_leaving(
        self,
        racing_gql: GraphQLClient,
        factory: Factory,
        sessions: async_sessionmaker[AsyncSession],
        two_owners: TwoOwners,
    ) -> None:
        """Ann demotes Bob in one tab and leaves in another: one of the two must be refused."""
        ann, bob = two_owners.ann, two_owners.bob
        rounds = Rounds("an organization keeps an OWNER (Ann demotes Bob while leaving)")
        for number in range(ROUNDS):
            organization = await organization_owned_by(factory, two_owners, number)
            answers = await race(
                racing_gql, number, [demote(organization, ann, bob), leave(organization, ann)]
            )
            demotion, leaving = answers
            roles = await roles_in(sessions, organization)
            round_ = rounds.judge(number, answers)
            round_.expect(OWNER in roles.values(), f"no OWNER left: {roles}")
            # Demoted first, Bob is a MEMBER and Ann the last owner; gone first, Ann no longer
            # sees the organization (NOT_FOUND), may not manage it (FORBIDDEN), or Bob is now
            # the last owner (LAST_OWNER): refused either way.
            round_.expect(
                (demotion.outcome, leaving.outcome)
                in {("ok", "LAST_OWNER"), *((refusal, "ok") for refusal in REFUSALS)},
                "not one change and one refusal",
            )
        rounds.assert_held()
