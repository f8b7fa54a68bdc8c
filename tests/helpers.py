"""Helpers that read like the domain: create_user, create_organization, gql(...)."""

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.activity.models import Activity
from app.authn import hash_token, mint_token
from app.connections.models import Connection, ConnectionKind, ProjectConnection
from app.db import utcnow
from app.hub import spec as specs
from app.hub.models import ComponentVersion, ComponentVersionAlias
from app.models import Base
from app.organizations.models import Organization, OrganizationMember, OrganizationRole
from app.projects.models import (
    Project,
    ProjectFeature,
    ProjectGrant,
    ProjectRole,
    ProjectVisibility,
)
from app.registry.models import ModelVersion, ModelVersionAlias, StageCondition
from app.runs.models import ArtifactKind, Run, RunArtifact, RunStatus
from app.service_accounts.models import ServiceAccount
from app.teams.models import Team, TeamMember, TeamRole
from app.users.models import AccessToken, AccessTokenProject, User
from app.versions.models import Stage
from app.webhooks.models import Webhook, WebhookDelivery


@dataclass
class StatementCounter:
    count: int = 0

    def reset(self) -> None:
        self.count = 0


@dataclass
class Person:
    id: int
    username: str
    token: str


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_: Person | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        """The response body without its cost report (`extensions`), which tests/http/test_cost.py
        checks, so bodies compare as the data and errors a client reads."""
        response = await self.post(query, variables, as_=as_, token=token)
        assert response.status_code == 200, response.text
        return without_cost(response.json())

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_: Person | None = None,
        token: str | None = None,
    ) -> httpx.Response:
        headers = {}
        bearer = token or (as_.token if as_ else None)
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        payload: dict[str, Any] = {"query": query}
        if variables is not None:
            payload["variables"] = variables
        return await self.http.post("/graphql", json=payload, headers=headers)

    async def data(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_: Person | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        """The `data` of a response that must have no errors."""
        body = await self(query, variables, as_=as_, token=token)
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data


def without_cost(body: dict[str, Any]) -> dict[str, Any]:
    """A response body less `extensions` (every operation reports its cost there)."""
    return {key: value for key, value in body.items() if key != "extensions"}


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


class Factory:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def user(self, username: str, *, email: str | None = None) -> Person:
        token = mint_token()
        async with self.sessions() as session, session.begin():
            user = User(username=username, email=email or f"{username}@example.org")
            session.add(user)
            await session.flush()
            session.add(
                AccessToken(
                    user_id=user.id, name="test", token_hash=hash_token(token), prefix=token[:12]
                )
            )
            return Person(id=user.id, username=username, token=token)

    async def organization(self, name: str, *, owner: Person) -> int:
        async with self.sessions() as session, session.begin():
            organization = Organization(name=name)
            session.add(organization)
            await session.flush()
            session.add(
                OrganizationMember(
                    organization_id=organization.id, user_id=owner.id, role=OrganizationRole.OWNER
                )
            )
            return organization.id

    async def organization_id(self, name: str) -> int:
        async with self.sessions() as session:
            found = await session.scalar(select(Organization.id).where(Organization.name == name))
        assert found is not None
        return found

    async def member(self, organization_id: int, person: Person, role: OrganizationRole) -> None:
        async with self.sessions() as session, session.begin():
            session.add(
                OrganizationMember(organization_id=organization_id, user_id=person.id, role=role)
            )

    async def token(
        self, person: Person, *, read_only: bool = False, project_ids: list[int] | None = None
    ) -> str:
        """Another token of the person's, narrowed by these scopes."""
        token = mint_token()
        async with self.sessions() as session, session.begin():
            row = AccessToken(
                user_id=person.id,
                name="scoped",
                token_hash=hash_token(token),
                prefix=token[:12],
                read_only=read_only,
                project_scoped=project_ids is not None,
            )
            session.add(row)
            await session.flush()
            session.add_all(
                AccessTokenProject(access_token_id=row.id, project_id=project_id)
                for project_id in project_ids or ()
            )
        return token

    async def service_account(
        self, organization_id: int, username: str, role: OrganizationRole
    ) -> tuple[int, Person]:
        """A service account of the organization with a token: (its id, its identity)."""
        token = mint_token()
        async with self.sessions() as session, session.begin():
            user = User(
                username=username,
                email=f"{username}@service-accounts.invalid",
                is_service_account=True,
            )
            session.add(user)
            await session.flush()
            account = ServiceAccount(user_id=user.id, organization_id=organization_id)
            session.add_all(
                [
                    account,
                    OrganizationMember(organization_id=organization_id, user_id=user.id, role=role),
                    AccessToken(
                        user_id=user.id, name="ci", token_hash=hash_token(token), prefix=token[:12]
                    ),
                ]
            )
            await session.flush()
            return account.id, Person(id=user.id, username=username, token=token)

    async def team(self, organization_id: int, name: str) -> int:
        async with self.sessions() as session, session.begin():
            team = Team(organization_id=organization_id, name=name)
            session.add(team)
            await session.flush()
            return team.id

    async def team_member(self, team_id: int, person: Person, role: TeamRole) -> None:
        async with self.sessions() as session, session.begin():
            session.add(TeamMember(team_id=team_id, user_id=person.id, role=role))

    async def project(
        self,
        organization_id: int,
        name: str,
        *,
        visibility: ProjectVisibility = ProjectVisibility.PRIVATE,
        features: frozenset[ProjectFeature] = frozenset({ProjectFeature.RUNTIME}),
        archived: bool = False,
        tags: list[str] | None = None,
    ) -> int:
        async with self.sessions() as session, session.begin():
            project = Project(
                organization_id=organization_id,
                name=name,
                visibility=visibility,
                tags=tags or [],
                archived_at=utcnow() if archived else None,
            )
            project.set_features(set(features))
            session.add(project)
            await session.flush()
            return project.id

    async def grant(
        self,
        project_id: int,
        role: ProjectRole,
        *,
        person: Person | None = None,
        team_id: int | None = None,
    ) -> None:
        async with self.sessions() as session, session.begin():
            session.add(
                ProjectGrant(
                    project_id=project_id,
                    user_id=person.id if person else None,
                    team_id=team_id,
                    role=role,
                )
            )

    async def run(
        self,
        project_id: int,
        name: str | None,
        *,
        status: RunStatus = RunStatus.SUCCEEDED,
        tags: list[str] | None = None,
        outputs: dict[str, Any] | None = None,
        created_by: Person | None = None,
    ) -> int:
        async with self.sessions() as session, session.begin():
            run = Run(
                uuid=uuid.uuid4().hex,
                project_id=project_id,
                name=name,
                status=status,
                tags=tags or [],
                outputs=outputs,
                created_by_id=created_by.id if created_by else None,
            )
            session.add(run)
            await session.flush()
            return run.id

    async def trained_runs(
        self, project_id: int, count: int, *, created_by: Person
    ) -> list[tuple[int, str]]:
        """`count` succeeded runs `train-<i>`, each with a MODEL artifact named `model`, in two
        statements: (id, uuid) pairs, in order."""
        uuids = [uuid.uuid4().hex for _ in range(count)]
        async with self.sessions() as session, session.begin():
            ids = list(
                await session.scalars(
                    insert(Run).returning(Run.id, sort_by_parameter_order=True),
                    [
                        {
                            "uuid": run_uuid,
                            "project_id": project_id,
                            "name": f"train-{index}",
                            "status": RunStatus.SUCCEEDED,
                            "tags": [],
                            "created_by_id": created_by.id,
                        }
                        for index, run_uuid in enumerate(uuids)
                    ],
                )
            )
            await session.execute(
                insert(RunArtifact),
                [
                    {
                        "run_id": run_id,
                        "name": "model",
                        "kind": ArtifactKind.MODEL,
                        "path": f"s3://models/{run_uuid}/model.pt",
                    }
                    for run_id, run_uuid in zip(ids, uuids, strict=True)
                ],
            )
        return list(zip(ids, uuids, strict=True))

    async def model_version(
        self,
        project_id: int,
        name: str,
        *,
        stage: Stage = Stage.TESTING,
        run_id: int | None = None,
        tags: list[str] | None = None,
    ) -> int:
        async with self.sessions() as session, session.begin():
            version = ModelVersion(
                project_id=project_id,
                name=name,
                stage=stage,
                run_id=run_id,
                tags=tags or [],
                artifacts=[],
                digest=hashlib.sha256(name.encode()).hexdigest(),
            )
            session.add(version)
            await session.flush()
            session.add(StageCondition(model_version_id=version.id, stage=stage, reason="created"))
            return version.id

    async def component_version(
        self,
        project_id: int,
        name: str,
        *,
        spec: str = "kind: component\nrun: {kind: job}\n",
        stage: Stage = Stage.TESTING,
    ) -> int:
        parsed, model = specs.validate(spec)
        inputs, outputs = specs.io_rows(model)
        async with self.sessions() as session, session.begin():
            version = ComponentVersion(
                project_id=project_id,
                name=name,
                stage=stage,
                spec=parsed,
                run_kind=model.run.kind,
                inputs=inputs,
                outputs=outputs,
                digest=specs.digest(parsed),
                tags=[],
            )
            session.add(version)
            await session.flush()
            return version.id

    async def alias(
        self, project_id: int, version_id: int, alias: str, *, component: bool = False
    ) -> None:
        """Give a model version (or a component version) of the project an alias."""
        model = ComponentVersionAlias if component else ModelVersionAlias
        async with self.sessions() as session, session.begin():
            session.add(model(project_id=project_id, version_id=version_id, alias=alias))

    async def webhook(self, project_id: int, *, url: str) -> tuple[int, int]:
        """A project's webhook (secret sealed with a throwaway key) and one delivery of an
        event: (webhook id, delivery id)."""
        async with self.sessions() as session, session.begin():
            project = await session.get_one(Project, project_id)
            hook = Webhook(
                organization_id=project.organization_id,
                project_id=project_id,
                url=url,
                events=["*"],
                secret="not-a-real-sealed-secret",
            )
            event = Activity(
                organization_id=project.organization_id,
                project_id=project_id,
                verb="project.updated",
                subject_type="Project",
                subject_id=project_id,
            )
            session.add_all([hook, event])
            await session.flush()
            delivery = WebhookDelivery(
                webhook_id=hook.id, activity_id=event.id, guid=uuid.uuid4().hex, event=event.verb
            )
            session.add(delivery)
            await session.flush()
            return hook.id, delivery.id

    async def connection(
        self,
        organization_id: int,
        name: str,
        *,
        kind: ConnectionKind = ConnectionKind.S3,
        settings: dict[str, Any] | None = None,
        projects: tuple[int, ...] = (),
    ) -> int:
        """A connection of the organization's catalogue, allowed in `projects`."""
        async with self.sessions() as session, session.begin():
            connection = Connection(
                organization_id=organization_id,
                name=name,
                kind=kind,
                settings={"bucket": f"s3://{name}"} if settings is None else settings,
            )
            session.add(connection)
            await session.flush()
            session.add_all(
                ProjectConnection(project_id=project_id, connection_id=connection.id)
                for project_id in projects
            )
            return connection.id

    async def row_counts(self) -> dict[str, int]:
        """Every table's row count: a cheap fingerprint of 'nothing changed'."""
        counts = {}
        async with self.sessions() as session:
            for table in Base.metadata.sorted_tables:
                counts[table.name] = int(
                    await session.scalar(select(func.count()).select_from(table)) or 0
                )
        return counts


def global_id(type_name: str, row_id: int) -> str:
    from strawberry.relay import to_base64  # noqa: PLC0415

    return to_base64(type_name, row_id)


async def seed_populated_organizations(
    sessions: async_sessionmaker[AsyncSession],
    viewer: Person,
    *,
    organizations: int,
    members: int,
    teams: int,
    team_members: int,
) -> None:
    """Organizations the viewer belongs to, each with many members and teams, in bulk.

    Team members are separate users sorting after everyone else, so no page of organization
    members has already loaded them (statement counts then compare like with like).
    """
    async with sessions() as session, session.begin():
        users = [User(username=f"user{i}", email=f"user{i}@example.org") for i in range(members)]
        on_teams = [
            User(username=f"zteam{i}", email=f"zteam{i}@example.org") for i in range(team_members)
        ]
        session.add_all([*users, *on_teams])
        await session.flush()
        for index in range(organizations):
            organization = Organization(name=f"org{index}")
            session.add(organization)
            await session.flush()
            session.add(
                OrganizationMember(
                    organization_id=organization.id, user_id=viewer.id, role=OrganizationRole.MEMBER
                )
            )
            session.add_all(
                OrganizationMember(
                    organization_id=organization.id, user_id=user.id, role=OrganizationRole.VIEWER
                )
                for user in [*users, *on_teams]
            )
            team_rows = [
                Team(organization_id=organization.id, name=f"team{t}") for t in range(teams)
            ]
            session.add_all(team_rows)
            await session.flush()
            session.add_all(
                TeamMember(team_id=team.id, user_id=user.id, role=TeamRole.MEMBER)
                for team in team_rows
                for user in on_teams
            )
