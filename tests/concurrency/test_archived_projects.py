"""Race: an archived project is read-only, even for a write already on its way when it is archived.

`createRun`, `promoteRun` and `transitionModelVersionStage` refuse to write into an archived
project (`INVALID`). Decided on the project read earlier and written later, a write that read
"not archived" lands after `archiveProject` committed: the project holds a run, a version or a
stage move younger than its archiving. The design says such a rule is "decided on locked rows or
by a conditional write whose row count is checked".

Raced, `ROUNDS` times each on a fresh INTERNAL project with the RUNTIME and MODEL features: a
writer (an organization MEMBER) creates a run, promotes a run, or moves a TESTING version to
STAGING, while the project's admin archives it. The server's clock stamps both sides
(`runs.created_at`, `model_versions.created_at`, `stage_conditions.at`, `projects.archived_at`);
with the write and the archive serialized, the archive takes its stamp after any write it let
through committed. After every round: the archive succeeded, the write succeeded or was refused
with INVALID (never INTERNAL_SERVER_ERROR), and nothing in the project is stamped at or after
`archived_at`.

Runs on SQLite as on PostgreSQL: each request has its own connection. Without locks each read the
project before it wrote (on SQLite, too: its reads ran outside any transaction).
"""

from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.organizations.models import OrganizationRole
from app.projects.models import Project, ProjectFeature, ProjectRole, ProjectVisibility
from app.registry.models import ModelVersion, StageCondition
from app.runs.models import Run
from app.versions.models import Stage
from tests.concurrency.calls import archive, create_run, move, promote
from tests.concurrency.racing import ROUNDS, Call, Round, Rounds, race, warm_up
from tests.helpers import Factory, GraphQLClient, Person

Sessions = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class Workspace:
    organization_id: int
    admin: Person
    writer: Person


@pytest.fixture
async def workspace(factory: Factory, racing_gql: GraphQLClient) -> Workspace:
    owner = await factory.user("owner")
    admin = await factory.user("lead")
    writer = await factory.user("scientist")
    organization = await factory.organization("acme", owner=owner)
    await factory.member(organization, admin, OrganizationRole.MEMBER)
    await factory.member(organization, writer, OrganizationRole.MEMBER)
    await warm_up(racing_gql, admin, writer)
    return Workspace(organization, admin, writer)


async def fresh_project(factory: Factory, workspace: Workspace, number: int) -> int:
    """An INTERNAL project with runs and models: the writer writes there as an org MEMBER."""
    project = await factory.project(
        workspace.organization_id,
        f"vision-{number}",
        visibility=ProjectVisibility.INTERNAL,
        features=frozenset({ProjectFeature.RUNTIME, ProjectFeature.MODEL}),
    )
    await factory.grant(project, ProjectRole.ADMIN, person=workspace.admin)
    return project


async def archived_at(sessions: Sessions, project_id: int) -> datetime | None:
    async with sessions() as session:
        return await session.scalar(select(Project.archived_at).where(Project.id == project_id))


async def stamped_since(sessions: Sessions, project_id: int, since: datetime) -> list[str]:
    """Every run, version and stage condition of the project stamped at or after `since`."""
    async with sessions() as session:
        runs = await session.scalars(
            select(Run.created_at).where(Run.project_id == project_id, Run.created_at >= since)
        )
        versions = await session.scalars(
            select(ModelVersion.created_at).where(
                ModelVersion.project_id == project_id, ModelVersion.created_at >= since
            )
        )
        conditions = await session.scalars(
            select(StageCondition.at)
            .join(ModelVersion, ModelVersion.id == StageCondition.model_version_id)
            .where(ModelVersion.project_id == project_id, StageCondition.at >= since)
        )
        return (
            [f"a run created at {at}" for at in runs]
            + [f"a version created at {at}" for at in versions]
            + [f"a stage condition at {at}" for at in conditions]
        )


async def judge_archiving(round_: Round, sessions: Sessions, project_id: int) -> None:
    """The archive always succeeds; the write landed before it, or was refused as read-only."""
    write, archiving = round_.answers
    round_.expect(archiving.outcome == "ok", "the admin could not archive")
    round_.expect(write.outcome in {"ok", "INVALID"}, "the write neither done nor refused")
    archived = await archived_at(sessions, project_id)
    if archived is not None:
        late = await stamped_since(sessions, project_id, archived)
        round_.expect(late == [], f"archived at {archived}, then {', '.join(late)}")


async def race_the_archive(
    gql: GraphQLClient,
    sessions: Sessions,
    rounds: Rounds,
    number: int,
    project: int,
    write: Call,
    admin: Person,
) -> None:
    """One round: `write` into the project while its admin archives it."""
    answers = await race(gql, number, [write, archive(project, admin)])
    await judge_archiving(rounds.judge(number, answers), sessions, project)


class TestAnArchivedProjectIsReadOnly:
    async def test_a_run_is_created_while_the_project_is_archived(
        self, racing_gql: GraphQLClient, factory: Factory, sessions: Sessions, workspace: Workspace
    ) -> None:
        rounds = Rounds("an archived project is read-only (createRun vs archiveProject)")
        for number in range(ROUNDS):
            project = await fresh_project(factory, workspace, number)
            write = create_run(project, workspace.writer)
            await race_the_archive(
                racing_gql, sessions, rounds, number, project, write, workspace.admin
            )
        rounds.assert_held()

    async def test_a_run_is_promoted_while_the_project_is_archived(
        self, racing_gql: GraphQLClient, factory: Factory, sessions: Sessions, workspace: Workspace
    ) -> None:
        rounds = Rounds("an archived project is read-only (promoteRun vs archiveProject)")
        for number in range(ROUNDS):
            project = await fresh_project(factory, workspace, number)
            run = await factory.run(project, "train", created_by=workspace.writer)
            write = promote(project, run, workspace.writer)
            await race_the_archive(
                racing_gql, sessions, rounds, number, project, write, workspace.admin
            )
        rounds.assert_held()

    async def test_a_version_changes_stage_while_the_project_is_archived(
        self, racing_gql: GraphQLClient, factory: Factory, sessions: Sessions, workspace: Workspace
    ) -> None:
        rounds = Rounds("an archived project is read-only (a stage move vs archiveProject)")
        for number in range(ROUNDS):
            project = await fresh_project(factory, workspace, number)
            version = await factory.model_version(project, "v1")
            write = move(version, workspace.writer, Stage.STAGING)
            await race_the_archive(
                racing_gql, sessions, rounds, number, project, write, workspace.admin
            )
        rounds.assert_held()
