"""A generated population's people and places, through the services (activity and rules apply):
users; organizations with members in every role, teams, and projects — training projects, and
model registries that accept their runs — shared with teams and people. acme gains members too.
"""

import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.authn import Viewer
from app.authz.enforcer import Authorizer, StageMove
from app.authz.roles import (
    SEED_GUEST_GRANT,
    SEED_MEMBER_ROLES,
    SEED_TEAM_GRANTS,
    SEED_TEAM_LEAD,
    SEED_TEAM_MEMBER,
    Action,
    Kind,
    founding_role,
    org_roles_allowing_in_project,
)
from app.clock import Script
from app.context import Context
from app.organizations import service as organizations
from app.organizations.models import Organization, OrganizationRole
from app.projects import service as projects
from app.projects.models import Project, ProjectFeature, ProjectVisibility
from app.seed import names
from app.seed.progress import Phases
from app.settings import Settings
from app.teams import service as teams
from app.users import service as users
from app.users.models import User
from app.versions.models import Stage

VISIBILITIES = {
    ProjectVisibility.INTERNAL: 6,
    ProjectVisibility.PRIVATE: 3,
    ProjectVisibility.PUBLIC: 1,
}


@dataclass(frozen=True)
class Shape:
    """How much a population holds; ranges are per organization, drawn from the seed."""

    organizations: int  # besides acme
    users: int  # besides ada and bob
    members: tuple[int, int]
    teams: tuple[int, int]
    training_projects: tuple[int, int]
    registries: tuple[int, int]
    acme_members: int
    runs: int
    versions: int


@dataclass
class Place:
    """One organization as its work needs it: who may do what, and where."""

    name: str
    # Who does the work (runs, versions) and who moves versions into PRODUCTION: the roles the
    # policy lets do it in an INTERNAL project (`People.organization` asks it).
    workers: frozenset[OrganizationRole] = frozenset()
    deciders: frozenset[OrganizationRole] = frozenset()
    roles: dict[int, OrganizationRole] = field(default_factory=dict)
    training: list[Project] = field(default_factory=list)
    registries: list[Project] = field(default_factory=list)

    def holding(self, allowed: frozenset[OrganizationRole]) -> list[int]:
        return [user_id for user_id, role in self.roles.items() if role in allowed]


T = TypeVar("T")


def weighted(rng: random.Random, weights: dict[T, int]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class People:
    def __init__(
        self,
        session: AsyncSession,
        authz: Authorizer,
        settings: Settings,
        rng: random.Random,
        clock: Script,
    ) -> None:
        self.session = session
        self.authz = authz
        self.settings = settings
        self.rng = rng
        self.clock = clock
        self.founder = founding_role(authz)
        self.workers = org_roles_allowing_in_project(
            authz, ProjectVisibility.INTERNAL, Kind.PROJECT, Action.CREATE_RUN
        )
        self.deciders = org_roles_allowing_in_project(
            authz,
            ProjectVisibility.INTERNAL,
            Kind.MODEL_VERSION,
            Action.TRANSITION,
            StageMove(Stage.STAGING.value, Stage.PRODUCTION.value),
        )

    def as_(self, user: User) -> Context:
        return Context(self.session, Viewer(user.id, user.username), self.authz, self.settings)

    def later(self, low_minutes: int, high_minutes: int) -> None:
        self.clock.advance(timedelta(minutes=self.rng.randint(low_minutes, high_minutes)))

    async def users(self, count: int, phases: Phases) -> list[User]:
        created: list[User] = []
        taken: set[str] = set()
        with phases.phase("users (services)", count) as advance:
            for _ in range(count):
                first, last = self.rng.choice(names.FIRST_NAMES), self.rng.choice(names.LAST_NAMES)
                username, suffix = f"{first}.{last}", 2
                while username in taken:
                    username, suffix = f"{first}.{last}{suffix}", suffix + 1
                taken.add(username)
                self.later(1, 30)
                created.append(
                    await users.create_user(
                        self.session, username=username, email=f"{username}@example.org",
                        display_name=f"{first.title()} {last.title()}",
                    )
                )  # fmt: skip
                advance(1)
        return created

    async def join(
        self, owner: User, organization: Organization, people: list[User], place: Place
    ) -> None:
        for person in people:
            role = weighted(self.rng, SEED_MEMBER_ROLES)
            await organizations.add_member(
                self.as_(owner), organization.id, username=person.username, role=role
            )
            place.roles[person.id] = role

    async def organization(
        self, shape: Shape, name: str, display_name: str, description: str, everyone: list[User]
    ) -> Place:
        rng, place = self.rng, Place(name, workers=self.workers, deciders=self.deciders)
        owner = rng.choice(everyone)
        as_owner = self.as_(owner)
        self.later(60, 600)
        organization = await organizations.create_organization(
            as_owner, name=name, display_name=display_name, description=description
        )
        place.roles[owner.id] = self.founder
        others = [user for user in everyone if user.id != owner.id]
        members = rng.sample(others, min(len(others), rng.randint(*shape.members)))
        await self.join(owner, organization, members, place)
        people = {user.id: user for user in [owner, *members]}

        team_names = rng.sample(names.TEAMS, rng.randint(*shape.teams))
        for team_name in team_names:
            self.later(5, 120)
            team = await teams.create_team(
                as_owner, organization.id, name=team_name, description=f"The {team_name} team"
            )
            crew = rng.sample(list(people.values()), min(len(people), rng.randint(3, 8)))
            for position, person in enumerate(crew):
                role = SEED_TEAM_LEAD if position == 0 else SEED_TEAM_MEMBER
                await teams.add_team_member(as_owner, team.id, username=person.username, role=role)

        self.later(30, 240)
        for project_name in rng.sample(
            names.TRAINING_PROJECTS, rng.randint(*shape.training_projects)
        ):
            place.training.append(
                await self.project(as_owner, organization, project_name, None,
                                   ProjectFeature.RUNTIME)
            )  # fmt: skip
        for project_name, what in rng.sample(names.MODEL_PROJECTS, rng.randint(*shape.registries)):
            registry = await self.project(
                as_owner, organization, project_name, what, ProjectFeature.MODEL
            )
            await projects.set_promotion_sources(
                as_owner, registry.id, [source.id for source in place.training]
            )
            place.registries.append(registry)

        for project in [*place.training, *place.registries]:
            for team_name in rng.sample(team_names, min(len(team_names), rng.randint(1, 2))):
                await projects.set_access(
                    as_owner, project.id, username=None, team=team_name,
                    role=weighted(rng, SEED_TEAM_GRANTS),
                )  # fmt: skip
            outsiders = [
                people[user_id]
                # Members who do no work through their role: a grant brings them in.
                for user_id in place.holding(frozenset(OrganizationRole) - place.workers)
            ]
            if outsiders and rng.random() < 0.5:
                await projects.set_access(
                    as_owner, project.id, username=rng.choice(outsiders).username, team=None,
                    role=SEED_GUEST_GRANT,
                )  # fmt: skip
        return place

    async def project(
        self,
        as_owner: Context,
        organization: Organization,
        name: str,
        description: str | None,
        feature: ProjectFeature,
    ) -> Project:
        self.later(5, 90)
        return await projects.create_project(
            as_owner, organization.id, name=name, description=description, readme=None,
            tags=self.rng.sample(names.PROJECT_TAGS, self.rng.randint(0, 2)),
            visibility=weighted(self.rng, VISIBILITIES), features=[feature],
        )  # fmt: skip


async def build(
    people: People, shape: Shape, ada: User, acme: Organization, phases: Phases
) -> list[Place]:
    """The users, then acme's new members, then each new organization, in the seed's order."""
    everyone = await people.users(shape.users, phases)
    places = []
    with phases.phase("organizations (services)", 1 + shape.organizations) as advance:
        joining = people.rng.sample(everyone, min(len(everyone), shape.acme_members))
        await people.join(ada, acme, joining, Place(acme.name))
        advance(1)
        chosen = people.rng.sample(names.ORGANIZATIONS, shape.organizations)
        for name, display_name, description in chosen:
            places.append(
                await people.organization(shape, name, display_name, description, everyone)
            )
            advance(1)
    return places
