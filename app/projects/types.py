from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import ColumnElement
from strawberry import relay
from strawberry.permission import BasePermission, PermissionExtension

from app.authz.roles import Action, ProjectFacts
from app.errors import ErrorCode
from app.graphql.context import Info
from app.graphql.core import (
    Connection,
    OrderDirection,
    UserErrorType,
    build_connection,
    decode_id,
    filter_key,
    ordering,
    page_args,
    run_mutation,
)
from app.graphql.cost import ListSize
from app.pagination import sort_key
from app.pql import Condition, Op, compile_filters
from app.projects import models
from app.projects import service as projects
from app.projects.filters import PROJECT_FIELDS, PROJECT_SORTABLE
from app.projects.loaders import GRANTS_OLDEST_FIRST

if TYPE_CHECKING:
    from app.hub.types import ComponentVersion, ComponentVersionFilter, ComponentVersionOrder
    from app.organizations.types import Organization
    from app.registry.models import Stage
    from app.registry.types import ModelVersion, ModelVersionFilter, ModelVersionOrder
    from app.runs.types import Run, RunFilter, RunOrder
    from app.teams.types import Team
    from app.users.types import User

ProjectVisibility = strawberry.enum(models.ProjectVisibility, name="ProjectVisibility")
ProjectRole = strawberry.enum(models.ProjectRole, name="ProjectRole")
ProjectFeature = strawberry.enum(models.ProjectFeature, name="ProjectFeature")

UserRef = Annotated["User", strawberry.lazy("app.users.types")]
TeamRef = Annotated["Team", strawberry.lazy("app.teams.types")]
OrganizationRef = Annotated["Organization", strawberry.lazy("app.organizations.types")]
RunRef = Annotated["Run", strawberry.lazy("app.runs.types")]
RunFilterRef = Annotated["RunFilter", strawberry.lazy("app.runs.types")]
RunOrderRef = Annotated["RunOrder", strawberry.lazy("app.runs.types")]
ModelVersionRef = Annotated["ModelVersion", strawberry.lazy("app.registry.types")]
ModelVersionFilterRef = Annotated["ModelVersionFilter", strawberry.lazy("app.registry.types")]
ModelVersionOrderRef = Annotated["ModelVersionOrder", strawberry.lazy("app.registry.types")]
StageRef = Annotated["Stage", strawberry.lazy("app.registry.types")]
ComponentVersionRef = Annotated["ComponentVersion", strawberry.lazy("app.hub.types")]
ComponentVersionFilterRef = Annotated["ComponentVersionFilter", strawberry.lazy("app.hub.types")]
ComponentVersionOrderRef = Annotated["ComponentVersionOrder", strawberry.lazy("app.hub.types")]
Grantee = Annotated[UserRef | TeamRef, strawberry.union("Grantee")]


@strawberry.type(description="What the viewer may do here; the same policy decides the mutations.")
class ProjectPermissions:
    update: bool
    delete: bool
    archive: bool
    manage_access: bool
    create_run: bool
    promote: bool
    transition_stage: bool
    publish_component: bool


class CanReadAccess(BasePermission):
    message = "Only project admins may see who has access."
    error_extensions = {"code": ErrorCode.FORBIDDEN.value}  # noqa: RUF012  (Strawberry reads it)

    async def has_permission(self, source: "Project", info: Info, **kwargs: Any) -> bool:
        facts = await source.facts(info)
        return projects.may(info.context, facts, Action.READ_ACCESS)


@strawberry.type(name="Project")
class Project(relay.Node):
    project_id: relay.NodeID[int]
    name: str
    description: str | None
    readme: str | None
    tags: list[str]
    visibility: ProjectVisibility  # type: ignore[valid-type]
    features: list[ProjectFeature]  # type: ignore[valid-type]
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime
    _organization_id: strawberry.Private[int]
    _created_by_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: models.Project) -> "Project":
        return cls(
            project_id=row.id,
            name=row.name,
            description=row.description,
            readme=row.readme,
            tags=list(row.tags or []),
            visibility=row.visibility,
            features=row.features,
            archived_at=row.archived_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
            _organization_id=row.organization_id,
            _created_by_id=row.created_by_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["Project | None"]:
        ctx = info.context
        ids = [int(node_id) for node_id in node_ids]
        rows = await ctx.loaders.projects.by_id.load_many(ids)
        facts = await ctx.loaders.projects.viewer_facts.load_many(ids)
        return [
            cls.from_row(row)
            if row is not None and fact is not None and projects.may(ctx, fact, Action.READ)
            else None
            for row, fact in zip(rows, facts, strict=True)
        ]

    async def facts(self, info: Info) -> ProjectFacts:
        facts = await info.context.loaders.projects.viewer_facts.load(self.project_id)
        assert facts is not None
        return facts

    @strawberry.field(description="`owner/name`, as projects are addressed.")
    async def full_name(self, info: Info) -> str:
        organization = await info.context.loaders.organizations.by_id.load(self._organization_id)
        assert organization is not None
        return f"{organization.name}/{self.name}"

    @strawberry.field
    async def organization(self, info: Info) -> OrganizationRef:
        from app.organizations.types import Organization  # noqa: PLC0415

        row = await info.context.loaders.organizations.by_id.load(self._organization_id)
        assert row is not None
        return Organization.from_row(row)

    @strawberry.field
    async def created_by(self, info: Info) -> UserRef | None:
        from app.users.types import User  # noqa: PLC0415

        if self._created_by_id is None:
            return None
        row = await info.context.loaders.users.by_id.load(self._created_by_id)
        return None if row is None else User.from_row(row)

    @strawberry.field(description="The viewer's effective role: the strongest that applies.")
    async def viewer_role(self, info: Info) -> ProjectRole | None:  # type: ignore[valid-type]
        return projects.viewer_role(info.context, await self.facts(info))

    @strawberry.field
    async def viewer_can(self, info: Info) -> ProjectPermissions:
        ctx, facts = info.context, await self.facts(info)

        def can(action: Action) -> bool:
            return projects.may(ctx, facts, action)

        return ProjectPermissions(
            update=can(Action.UPDATE),
            delete=can(Action.DELETE),
            archive=can(Action.ARCHIVE),
            manage_access=can(Action.MANAGE_ACCESS),
            create_run=can(Action.CREATE_RUN) and models.ProjectFeature.RUNTIME in self.features,
            promote=can(Action.PROMOTE),
            transition_stage=can(Action.TRANSITION),
            publish_component=can(Action.PUBLISH_COMPONENT),
        )

    @strawberry.field(
        description="Grants to users and teams, oldest first (project admins only).",
        extensions=[PermissionExtension(permissions=[CanReadAccess()])],
    )
    async def access(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection["ProjectGrant"] | None:
        # Nullable: refusing a field more private than the project must not null the project.
        args = page_args(info, first, after, last, before)
        pages, counts = info.context.loaders.projects.access.get(
            "all", projects.access_statement, GRANTS_OLDEST_FIRST
        )
        page = await pages.load((self.project_id, args))
        return build_connection(page, ProjectGrant.from_row, lambda: counts.load(self.project_id))

    @strawberry.field(
        description="Projects whose runs may be promoted here (besides itself).",
        directives=[ListSize(assumed_size=10)],
    )
    async def promotion_sources(self, info: Info) -> list["Project"]:
        rows = await info.context.loaders.projects.promotion_sources.load(self.project_id)
        return [Project.from_row(row) for row in rows]

    @strawberry.field(description="Runs, newest change first unless ordered otherwise.")
    async def runs(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: RunFilterRef | None = None,
        query: str | None = None,
        order_by: list[RunOrderRef] | None = None,
        sort: str | None = None,
    ) -> Connection[RunRef]:
        from app.runs.types import run_connection  # noqa: PLC0415

        return await run_connection(
            info, self.project_id, first, after, last, before, filter, query, order_by, sort
        )

    @strawberry.field(description="A run of this project by its uuid; null when there is none.")
    async def run(self, info: Info, uuid: strawberry.ID) -> RunRef | None:
        from app.runs import service as runs  # noqa: PLC0415
        from app.runs.types import Run  # noqa: PLC0415

        ctx = info.context
        async with ctx.reading():
            row = await runs.get_readable_by_uuid(ctx, str(uuid))
        return None if row is None or row.project_id != self.project_id else Run.from_row(row)

    @strawberry.field(description="Model versions, newest change first unless ordered otherwise.")
    async def model_versions(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: ModelVersionFilterRef | None = None,
        query: str | None = None,
        order_by: list[ModelVersionOrderRef] | None = None,
        sort: str | None = None,
    ) -> Connection[ModelVersionRef]:
        from app.registry.types import model_version_connection  # noqa: PLC0415

        return await model_version_connection(
            info, self.project_id, first, after, last, before, filter, query, order_by, sort
        )

    @strawberry.field(description="A model version by name; null when there is none.")
    async def model_version(self, info: Info, name: str) -> ModelVersionRef | None:
        from app.registry import service as registry  # noqa: PLC0415
        from app.registry.types import ModelVersion  # noqa: PLC0415

        ctx = info.context
        async with ctx.reading():
            row = await registry.find_in_project(ctx, self.project_id, name)
        return None if row is None else ModelVersion.from_row(row)

    @strawberry.field(description="Component versions, newest change first unless ordered.")
    async def component_versions(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: ComponentVersionFilterRef | None = None,
        query: str | None = None,
        order_by: list[ComponentVersionOrderRef] | None = None,
        sort: str | None = None,
    ) -> Connection[ComponentVersionRef]:
        from app.hub.types import component_version_connection  # noqa: PLC0415

        return await component_version_connection(
            info, self.project_id, first, after, last, before, filter, query, order_by, sort
        )

    @strawberry.field(description="A component version by name; null when there is none.")
    async def component_version(self, info: Info, name: str) -> ComponentVersionRef | None:
        from app.hub import service as hub  # noqa: PLC0415
        from app.hub.types import ComponentVersion  # noqa: PLC0415

        ctx = info.context
        async with ctx.reading():
            row = await hub.find_in_project(ctx, self.project_id, name)
        return None if row is None else ComponentVersion.from_row(row)

    @strawberry.field(description="The newest version, in a stage if one is given.")
    async def latest_model_version(
        self, info: Info, stage: StageRef | None = None
    ) -> ModelVersionRef | None:
        from app.registry.types import ModelVersion  # noqa: PLC0415

        row = await info.context.loaders.registry.latest.load((self.project_id, stage))
        return None if row is None else ModelVersion.from_row(row)


@strawberry.type(description="A project role held by a user or a team.")
class ProjectGrant:
    role: ProjectRole  # type: ignore[valid-type]
    granted_at: datetime
    _project_id: strawberry.Private[int]
    _user_id: strawberry.Private[int | None]
    _team_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: models.ProjectGrant) -> "ProjectGrant":
        return cls(
            role=row.role,
            granted_at=row.granted_at,
            _project_id=row.project_id,
            _user_id=row.user_id,
            _team_id=row.team_id,
        )

    @strawberry.field
    async def project(self, info: Info) -> Project:
        row = await info.context.loaders.projects.by_id.load(self._project_id)
        assert row is not None
        return Project.from_row(row)

    @strawberry.field
    async def grantee(self, info: Info) -> Grantee:
        from app.teams.types import Team  # noqa: PLC0415
        from app.users.types import User  # noqa: PLC0415

        loaders = info.context.loaders
        if self._user_id is not None:
            user = await loaders.users.by_id.load(self._user_id)
            assert user is not None
            return User.from_row(user)
        assert self._team_id is not None
        team = await loaders.teams.by_id.load(self._team_id)
        assert team is not None
        return Team.from_row(team)


# ---- filtering and ordering -------------------------------------------------------------------


@strawberry.input(description="Typed filters; they compile to the same SQL as `query`.")
class ProjectFilter:
    name: str | None = None
    name_contains: str | None = None
    tags: list[str] | None = strawberry.field(default=None, description="Has any of these.")
    visibility: list[models.ProjectVisibility] | None = None
    features: list[models.ProjectFeature] | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None

    def conditions(self) -> list[Condition]:
        found: list[Condition] = []
        if self.name is not None:
            found.append(Condition("name", Op.EQ, (self.name.lower(),)))
        if self.name_contains is not None:
            found.append(Condition("name", Op.LIKE, (f"%{self.name_contains}%",)))
        for name, values in (
            ("tags", self.tags),
            ("visibility", [v.value for v in self.visibility or []] or None),
            ("features", [f.value for f in self.features or []] or None),
        ):
            if values is not None:
                found.append(Condition(name, Op.IN, tuple(values)))
        for name, op, moment in (
            ("created_at", Op.GT, self.created_after),
            ("created_at", Op.LT, self.created_before),
            ("updated_at", Op.GT, self.updated_after),
            ("updated_at", Op.LT, self.updated_before),
        ):
            if moment is not None:
                found.append(Condition(name, op, (moment.isoformat(),)))
        return found


@strawberry.enum
class ProjectOrderField(Enum):
    NAME = "NAME"
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"


@strawberry.input
class ProjectOrder:
    field: ProjectOrderField
    direction: OrderDirection = OrderDirection.ASC


def project_predicate(filter: ProjectFilter | None, query: str | None) -> ColumnElement[bool]:
    return compile_filters(query, filter.conditions() if filter else [], PROJECT_FIELDS)


async def project_connection(
    info: Info,
    organization_id: int,
    feature: models.ProjectFeature | None,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    filter: ProjectFilter | None,
    query: str | None,
    order_by: list[ProjectOrder] | None,
    sort: str | None,
) -> Connection[Project]:
    """An organization's projects the viewer may read (all, the registry, or the hub)."""
    ctx = info.context
    args = page_args(info, first, after, last, before)
    order = sort_key(
        ordering(order_by, sort, PROJECT_SORTABLE), PROJECT_SORTABLE, models.Project.id
    )
    where = [project_predicate(filter, query)]
    if feature is not None:
        where.append(projects.feature_predicate(feature))
    key = filter_key(feature, filter and tuple(filter.conditions()), query)
    pages, counts = ctx.loaders.projects.of_organization.get(
        key, lambda: projects.readable_statement(ctx, None, *where), order
    )
    page = await pages.load((organization_id, args))
    return build_connection(page, Project.from_row, lambda: counts.load(organization_id))


ProjectConnectionResolver = Callable[..., Awaitable[Connection[Project]]]


# ---- root fields and mutations ----------------------------------------------------------------


@strawberry.type
class ProjectQuery:
    @strawberry.field(
        description="A project by `owner/name`; null when the viewer may not read it."
    )
    async def project(self, info: Info, owner: str, name: str) -> Project | None:
        ctx = info.context
        async with ctx.reading():
            row = await projects.find_readable(ctx, owner, name)
        return None if row is None else Project.from_row(row)


@strawberry.input
class CreateProjectInput:
    organization_id: relay.GlobalID
    name: str
    description: str | None = None
    readme: str | None = None
    tags: list[str] = strawberry.field(default_factory=list)
    visibility: ProjectVisibility = models.ProjectVisibility.PRIVATE  # type: ignore[valid-type]
    features: list[ProjectFeature] = strawberry.field(  # type: ignore[valid-type]
        default_factory=lambda: [models.ProjectFeature.RUNTIME],
        description="Which version kinds it accepts; a model registry is [MODEL].",
    )


@strawberry.input
class UpdateProjectInput:
    id: relay.GlobalID
    description: str | None = strawberry.UNSET
    readme: str | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET
    visibility: ProjectVisibility | None = strawberry.UNSET  # type: ignore[valid-type]
    features: list[ProjectFeature] | None = strawberry.UNSET  # type: ignore[valid-type]


@strawberry.input
class ProjectIdInput:
    id: relay.GlobalID


@strawberry.input(description="Name exactly one grantee: `username` or `team`.")
class SetProjectAccessInput:
    project_id: relay.GlobalID
    username: str | None = None
    team: str | None = None
    role: ProjectRole  # type: ignore[valid-type]


@strawberry.input(description="Name exactly one grantee: `username` or `team`.")
class RemoveProjectAccessInput:
    project_id: relay.GlobalID
    username: str | None = None
    team: str | None = None


@strawberry.input
class SetPromotionSourcesInput:
    project_id: relay.GlobalID
    source_ids: list[relay.GlobalID] = strawberry.field(
        description="Projects of the same organization whose runs may be promoted here."
    )


@strawberry.type
class ProjectPayload:
    project: Project | None = None
    user_errors: list[UserErrorType] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteProjectPayload:
    deleted_id: relay.GlobalID | None = None
    user_errors: list[UserErrorType] = strawberry.field(default_factory=list)


@strawberry.type
class ProjectAccessPayload:
    grant: ProjectGrant | None = None
    user_errors: list[UserErrorType] = strawberry.field(default_factory=list)


def _unset(value: Any) -> Any:
    return projects.UNSET if value is strawberry.UNSET else value


async def _project_payload(
    info: Info, operation: Callable[[], Awaitable[models.Project]]
) -> ProjectPayload:
    row, errors = await run_mutation(info, operation)
    return ProjectPayload(
        project=None if row is None else Project.from_row(row), user_errors=errors
    )


async def _access_payload(
    info: Info, operation: Callable[[], Awaitable[models.ProjectGrant]]
) -> ProjectAccessPayload:
    row, errors = await run_mutation(info, operation)
    return ProjectAccessPayload(
        grant=None if row is None else ProjectGrant.from_row(row), user_errors=errors
    )


@strawberry.type
class ProjectMutation:
    @strawberry.mutation(description="Create a project (a model registry or hub is a project).")
    async def create_project(self, info: Info, input: CreateProjectInput) -> ProjectPayload:
        organization_id = decode_id(
            input.organization_id, "Organization", argument="organizationId"
        )
        return await _project_payload(
            info,
            lambda: projects.create_project(
                info.context,
                organization_id,
                name=input.name,
                description=input.description,
                readme=input.readme,
                tags=input.tags,
                visibility=input.visibility,
                features=input.features,
            ),
        )

    @strawberry.mutation(description="Change a project's settings; only given fields change.")
    async def update_project(self, info: Info, input: UpdateProjectInput) -> ProjectPayload:
        project_id = decode_id(input.id, "Project")
        return await _project_payload(
            info,
            lambda: projects.update_project(
                info.context,
                project_id,
                description=_unset(input.description),
                readme=_unset(input.readme),
                tags=_unset(input.tags),
                visibility=_unset(input.visibility),
                features=_unset(input.features),
            ),
        )

    @strawberry.mutation(description="Make a project read-only.")
    async def archive_project(self, info: Info, input: ProjectIdInput) -> ProjectPayload:
        project_id = decode_id(input.id, "Project")
        return await _project_payload(
            info, lambda: projects.archive_project(info.context, project_id, archived=True)
        )

    @strawberry.mutation(description="Make an archived project writable again.")
    async def unarchive_project(self, info: Info, input: ProjectIdInput) -> ProjectPayload:
        project_id = decode_id(input.id, "Project")
        return await _project_payload(
            info, lambda: projects.archive_project(info.context, project_id, archived=False)
        )

    @strawberry.mutation(description="Delete a project with its runs and versions.")
    async def delete_project(self, info: Info, input: ProjectIdInput) -> DeleteProjectPayload:
        project_id = decode_id(input.id, "Project")
        deleted, errors = await run_mutation(
            info, lambda: projects.delete_project(info.context, project_id)
        )
        return DeleteProjectPayload(
            deleted_id=None if deleted is None else relay.GlobalID("Project", str(deleted)),
            user_errors=errors,
        )

    @strawberry.mutation(description="Grant (or change) a user's or a team's project role.")
    async def set_project_access(
        self, info: Info, input: SetProjectAccessInput
    ) -> ProjectAccessPayload:
        project_id = decode_id(input.project_id, "Project", argument="projectId")
        return await _access_payload(
            info,
            lambda: projects.set_access(
                info.context, project_id, username=input.username, team=input.team, role=input.role
            ),
        )

    @strawberry.mutation(description="Take a user's or a team's grant away.")
    async def remove_project_access(
        self, info: Info, input: RemoveProjectAccessInput
    ) -> ProjectAccessPayload:
        project_id = decode_id(input.project_id, "Project", argument="projectId")
        return await _access_payload(
            info,
            lambda: projects.remove_access(
                info.context, project_id, username=input.username, team=input.team
            ),
        )

    @strawberry.mutation(description="Replace the projects whose runs may be promoted here.")
    async def set_promotion_sources(
        self, info: Info, input: SetPromotionSourcesInput
    ) -> ProjectPayload:
        project_id = decode_id(input.project_id, "Project", argument="projectId")
        source_ids = [decode_id(s, "Project", argument="sourceIds") for s in input.source_ids]
        return await _project_payload(
            info, lambda: projects.set_promotion_sources(info.context, project_id, source_ids)
        )
