"""Seeding a database at a scale: see `app.seed`."""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.authz.enforcer import Authorizer
from app.clock import Script, scripted
from app.db import create_sessionmaker, refresh_statistics, write_transaction
from app.errors import DomainError
from app.models import Base, Organization, User
from app.seed import DEFAULT_SEED, Scale, demo, large, people, work
from app.seed.people import Shape
from app.seed.progress import QUIET, Phases
from app.settings import Settings

# The seeded world's clock starts here (a Monday morning), not at the wall clock's now.
EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

MEDIUM = Shape(
    organizations=9,
    users=198,
    members=(15, 40),
    teams=(2, 4),
    training_projects=(1, 2),
    registries=(2, 4),
    acme_members=25,
    runs=4_000,
    versions=2_000,
)


class NotEmpty(DomainError):
    pass


@dataclass(frozen=True)
class Seeded:
    tokens: dict[str, str]  # username -> a new personal access token
    rows: dict[str, int]  # table -> rows, afterwards


async def _refuse_unless_empty(session: AsyncSession) -> None:
    for model in (User, Organization):
        if await session.scalar(select(func.count()).select_from(model)):
            raise NotEmpty(
                "The database already holds data: `hubql seed` fills an empty, migrated database."
            )


async def _count_rows(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as connection:
        return {
            table.name: int(await connection.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


async def seed(
    engine: AsyncEngine,
    settings: Settings,
    scale: Scale = Scale.SMALL,
    *,
    random_seed: int = DEFAULT_SEED,
    population: Shape = MEDIUM,
    phases: Phases = QUIET,
) -> Seeded:
    """Fill the empty database; `population` is how much `medium` generates."""
    authz = Authorizer(settings.policy_dir)
    async with create_sessionmaker(engine)() as session, write_transaction(session):
        await _refuse_unless_empty(session)
        if scale is Scale.LARGE:
            tokens = await large.build(session, authz, phases)
        else:
            world = await demo.build(session, authz, settings, EPOCH, phases)
            tokens = world.tokens
            if scale is Scale.MEDIUM:
                rng = random.Random(random_seed)
                with scripted(Script(world.ended + timedelta(days=1), rng)) as clock:
                    cast = people.People(session, authz, settings, rng, clock)
                    places = await people.build(cast, population, world.ada, world.acme, phases)
                connection = await session.connection()
                await work.build(connection, places, rng, population, clock.at, phases)
    if scale is not Scale.SMALL:
        with phases.phase("planner statistics", 1) as advance:
            await refresh_statistics(engine)
            advance(1)
    return Seeded(tokens=tokens, rows=await _count_rows(engine))
