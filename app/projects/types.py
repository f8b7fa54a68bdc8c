"""Projects and their grants in the graph: views over `app.projects.models` rows."""

from datetime import datetime
from functools import partial
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.permission import BasePermission, PermissionExtension

from app.authz.roles import ROLE_DESCRIPTIONS, Action, Kind
from app.connections import service as connections
from app.connections.listing import PROJECT_CONNECTIONS
from app.errors import BadUserInput, ErrorCode
from app.graphql.context import Info
from app.graphql.cost import ListSize
from app.graphql.kit import (
    INPUT_DOC,
    TAGS_DOC,
    Deleted,
    RowNode,
    Slice,
    connection,
    decode_id,
    described_enum,
    described_permission,
    in_organization,
    mutate,
    mutation,
    payload,
    related,
    viewer_permissions,
)
from app.graphql.refs import (
    ComponentVersionRef,
    ModelVersionRef,
    OrganizationRef,
    ProjectGrantRef,
    ProjectRef,
    RunRef,
    TeamRef,
    UserRef,
)
from app.hub.listing import COMPONENT_VERSIONS
from app.hub.models import ComponentVersion as ComponentVersionRow
from app.organizations.models import Organization as OrganizationRow
from app.projects import models
from app.projects import service as projects
from app.projects.listing import GRANTS
from app.registry.listing import MODEL_VERSIONS
from app.registry.models import ModelVersion as ModelVersionRow
from app.runs import service as runs
from app.runs.listing import RUNS
from app.teams.models import Team as TeamRow
from app.users.models import User as UserRow
from app.versions import service as versions
from app.versions.models import Stage
from app.versions.service import VersionT
from app.webhooks.listing import PROJECT_WEBHOOKS
from app.webhooks.permissions import CanManageWebhooks

described_enum(
    models.ProjectVisibility,
    name="ProjectVisibility",
    description="Who may read a project (its grants add to this).",
    values={
        "PUBLIC": "Anyone, anonymous viewers included.",
        "INTERNAL": "Every member of the organization, working on it as their organization role "
        "says.",
        "PRIVATE": "Only the organization's OWNERs, MANAGERs and ADMINs, and the users and teams "
        "granted access.",
    },
)
described_enum(
    models.ProjectRole,
    name="ProjectRole",
    description="Project roles, strongest first; a viewer's is the strongest that applies.",
    values=ROLE_DESCRIPTIONS["ProjectRole"],
)
described_enum(
    models.ProjectFeature,
    name="ProjectFeature",
    description="What a project holds: a model registry is a project with MODEL alone, a "
    "component hub one with COMPONENT alone.",
    values={
        "RUNTIME": "Runs.",
        "MODEL": "Model versions: the project is (also) a model registry.",
        "COMPONENT": "Component versions: the project is (also) a component hub.",
    },
)

Grantee = Annotated[
    UserRef | TeamRef,
    strawberry.union("Grantee", description="Who holds a grant: a user or a team."),
]


@strawberry.type(description="What the viewer may do here; the same policy decides the mutations.")
class ProjectPermissions:
    update: bool = strawberry.field(description="`updateProject`.")
    delete: bool = strawberry.field(description="`deleteProject`.")
    archive: bool = strawberry.field(description="`archiveProject` and `unarchiveProject`.")
    manage_access: bool = strawberry.field(
        description="`setProjectAccess`, `removeProjectAccess`, and reading `access`."
    )
    create_run: bool = strawberry.field(
        description="`createRun` (false unless the project has the RUNTIME feature)."
    )
    promote: bool = strawberry.field(description="`promoteRun` and `createModelVersion` here.")
    transition_stage: bool = strawberry.field(
        description="Moving versions between stages other than PRODUCTION; into or out of "
        "PRODUCTION takes ADMIN."
    )
    publish_component: bool = strawberry.field(description="`publishComponentVersion` here.")
    set_connections: bool = strawberry.field(description="`setProjectConnections` here.")


@described_permission("Readable by the project's ADMINs; anyone else gets FORBIDDEN.")
class CanReadAccess(BasePermission):
    message = "Only project admins may see who has access."
    error_extensions = {"code": ErrorCode.FORBIDDEN.value}  # noqa: RUF012  (Strawberry reads it)

    async def has_permission(self, source: models.Project, info: Info, **kwargs: Any) -> bool:
        return await info.context.access.may(Kind.PROJECT, source, Action.READ_ACCESS)


async def _version_named(
    info: Info,
    model: type[VersionT],
    project: models.Project,
    name: str | None,
    alias: str | None,
) -> VersionT | None:
    """A version of the project by `name:` or by `alias:`, whichever was given."""
    if (name is None) == (alias is None):
        raise BadUserInput("Pass `name` or `alias`, one of the two.")
    return await versions.find_in_project(info.context, model, project.id, name, alias=alias)


async def _full_name(project: strawberry.Parent[models.Project], info: Info) -> str:
    organization = await info.context.loaders.rows(OrganizationRow).load(project.organization_id)
    assert organization is not None
    return f"{organization.name}/{project.name}"


@strawberry.type(
    name="Project",
    description="Where work lives, addressed as `owner/name`: runs, and the model registry and "
    "component hub are projects too (see `features`).",
)
class Project(RowNode):
    model, kind = models.Project, Kind.PROJECT
    name: str = strawberry.field(description="A slug, unique in the organization.")
    description: str | None = strawberry.field(description="One line about it; null when unset.")
    readme: str | None = strawberry.field(description="Longer text (Markdown); null when unset.")
    tags: list[str] = strawberry.field(description=TAGS_DOC)
    visibility: models.ProjectVisibility = strawberry.field(description="Who may read it.")
    features: list[models.ProjectFeature] = strawberry.field(
        description="Which kinds of things it accepts: runs need RUNTIME."
    )
    archived_at: datetime | None = strawberry.field(
        description="When it was archived (read-only from then on); null when it is not."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When its settings last changed.")

    full_name: str = strawberry.field(
        resolver=_full_name, description="`owner/name`, as projects are addressed."
    )
    organization: OrganizationRef = related(
        OrganizationRow, "organization_id", description="The owner: the organization it belongs to."
    )
    created_by: UserRef | None = related(
        UserRow, "created_by_id", description="Who created it; null when that user is gone."
    )

    @strawberry.field(description="The viewer's effective role: the strongest that applies.")
    async def viewer_role(
        self, project: strawberry.Parent[models.Project], info: Info
    ) -> models.ProjectRole | None:
        return await info.context.access.project_role(project)

    @strawberry.field(description="What the viewer may do here.")
    async def viewer_can(
        self, project: strawberry.Parent[models.Project], info: Info
    ) -> ProjectPermissions:
        can = await viewer_permissions(
            info, Kind.PROJECT, project, ProjectPermissions, transition_stage=Action.TRANSITION
        )
        can.create_run = can.create_run and models.ProjectFeature.RUNTIME in project.features
        return can

    @connection(
        GRANTS,
        description="Grants to users and teams, oldest first (project admins only).",
        nullable=True,
        extensions=[PermissionExtension(permissions=[CanReadAccess()])],
    )
    async def access(self, project: strawberry.Parent[models.Project]) -> Slice:
        return GRANTS.under(project.id)

    @connection(
        PROJECT_WEBHOOKS,
        description="The project's webhooks, oldest first (project admins only).",
        nullable=True,
        extensions=[PermissionExtension(permissions=[CanManageWebhooks()])],
    )
    async def webhooks(self, project: strawberry.Parent[models.Project]) -> Slice:
        return PROJECT_WEBHOOKS.under(project.id)

    @strawberry.field(
        description="Projects whose runs may be promoted here: itself first, then the sources "
        "`setPromotionSources` named (those the viewer may read), by name.",
        directives=[ListSize(assumed_size=10)],
    )
    async def promotion_sources(
        self, project: strawberry.Parent[models.Project], info: Info
    ) -> list[ProjectRef]:
        # A project's own runs may always be promoted in it (api.md: "itself always").
        return [project, *await info.context.loaders.projects.promotion_sources.load(project.id)]

    @connection(
        PROJECT_CONNECTIONS,
        description="The organization's connections this project may use (its runs and the "
        "component specs it publishes name them), by name. Everyone who reads the project "
        "reads these.",
    )
    async def connections(self, project: strawberry.Parent[models.Project]) -> Slice:
        return PROJECT_CONNECTIONS.under(project.id)

    @connection(RUNS, description="Runs, newest change first unless ordered otherwise.")
    async def runs(self, project: strawberry.Parent[models.Project]) -> Slice:
        return RUNS.under(project.id)

    @strawberry.field(description="A run of this project by its uuid; null when there is none.")
    async def run(
        self,
        project: strawberry.Parent[models.Project],
        info: Info,
        uuid: Annotated[str, strawberry.argument(description="The run's uuid.")],
    ) -> RunRef | None:
        ctx = info.context
        row = await ctx.access.readable_one(Kind.RUN, await runs.find_by_uuid(ctx, str(uuid)))
        return row if row is not None and row.project_id == project.id else None

    @connection(
        MODEL_VERSIONS,
        description="Model versions, newest change first unless ordered otherwise.",
    )
    async def model_versions(self, project: strawberry.Parent[models.Project]) -> Slice:
        return MODEL_VERSIONS.under(project.id)

    @strawberry.field(
        description="A model version by name or by alias (one of the two); null when there is none."
    )
    async def model_version(
        self,
        project: strawberry.Parent[models.Project],
        info: Info,
        name: Annotated[
            str | None, strawberry.argument(description="The version name, e.g. `v3`.")
        ] = None,
        alias: Annotated[
            str | None,
            strawberry.argument(description="An alias the version holds, e.g. `champion`."),
        ] = None,
    ) -> ModelVersionRef | None:
        return await _version_named(info, ModelVersionRow, project, name, alias)

    @connection(
        COMPONENT_VERSIONS, description="Component versions, newest change first unless ordered."
    )
    async def component_versions(self, project: strawberry.Parent[models.Project]) -> Slice:
        return COMPONENT_VERSIONS.under(project.id)

    @strawberry.field(
        description="A component version by name or by alias (one of the two); null when there "
        "is none."
    )
    async def component_version(
        self,
        project: strawberry.Parent[models.Project],
        info: Info,
        name: Annotated[
            str | None, strawberry.argument(description="The version name, e.g. `1.1`.")
        ] = None,
        alias: Annotated[
            str | None,
            strawberry.argument(description="An alias the version holds, e.g. `stable`."),
        ] = None,
    ) -> ComponentVersionRef | None:
        return await _version_named(info, ComponentVersionRow, project, name, alias)

    @strawberry.field(description="The newest version, in a stage if one is given.")
    async def latest_model_version(
        self,
        project: strawberry.Parent[models.Project],
        info: Info,
        stage: Annotated[
            Stage | None, strawberry.argument(description="Only versions in this stage.")
        ] = None,
    ) -> ModelVersionRef | None:
        return await info.context.loaders.registry.latest.load((project.id, stage))


@strawberry.type(description="A project role held by a user or a team.")
class ProjectGrant:
    role: models.ProjectRole = strawberry.field(description="The role it gives.")
    granted_at: datetime = strawberry.field(description="When it was given.")
    project: ProjectRef = related(models.Project, "project_id", description="On which project.")

    @strawberry.field(description="Who holds it: a user, or a team (and so its members).")
    async def grantee(self, grant: strawberry.Parent[models.ProjectGrant], info: Info) -> Grantee:
        loaders = info.context.loaders
        row: UserRow | TeamRow | None
        if grant.user_id is not None:
            row = await loaders.rows(UserRow).load(grant.user_id)
        else:
            assert grant.team_id is not None  # a grant has one grantee (a check constraint)
            row = await loaders.rows(TeamRow).load(grant.team_id)
        assert row is not None  # grants cascade with their grantee
        return row


# ---- root fields and mutations ----------------------------------------------------------------


@strawberry.type
class ProjectQuery:
    @strawberry.field(
        description="A project by `owner/name`; null when the viewer may not read it."
    )
    async def project(
        self,
        info: Info,
        owner: Annotated[
            str, strawberry.argument(description="The organization's name; case-insensitive.")
        ],
        name: Annotated[str, strawberry.argument(description="The project's name.")],
    ) -> ProjectRef | None:
        ctx = info.context
        return await ctx.access.readable_one(
            Kind.PROJECT, await projects.find_by_name(ctx, owner, name)
        )


@strawberry.input(description="A new project in an organization.")
class CreateProjectInput:
    organization_id: relay.GlobalID = strawberry.field(
        description="The owning organization's global id."
    )
    name: str = strawberry.field(
        description="A slug, unique in the organization: `^[a-z0-9][a-z0-9._-]{0,63}$`."
    )
    description: str | None = strawberry.field(default=None, description="Up to 2,000 characters.")
    readme: str | None = strawberry.field(default=None, description="Up to 100,000 characters.")
    tags: list[str] = strawberry.field(
        default_factory=list,
        description=TAGS_DOC,
    )
    visibility: models.ProjectVisibility = strawberry.field(
        default=models.ProjectVisibility.PRIVATE, description="PRIVATE unless given."
    )
    features: list[models.ProjectFeature] = strawberry.field(
        default_factory=lambda: [models.ProjectFeature.RUNTIME],
        description="Which version kinds it accepts; a model registry is [MODEL].",
    )


@strawberry.input(description="Only the given fields change.")
class UpdateProjectInput:
    id: relay.GlobalID = strawberry.field(description="The project's global id.")
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="Up to 2,000 characters; null clears it."
    )
    readme: str | None = strawberry.field(
        default=strawberry.UNSET, description="Up to 100,000 characters; null clears it."
    )
    tags: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="The new tags, replacing the old; null clears them."
    )
    visibility: models.ProjectVisibility | None = strawberry.field(
        default=strawberry.UNSET, description="Who may read it; null keeps it."
    )
    features: list[models.ProjectFeature] | None = strawberry.field(
        default=strawberry.UNSET,
        description="The new features, at least one, replacing the old; null keeps them.",
    )


@strawberry.input(description="Which project.")
class ProjectIdInput:
    id: relay.GlobalID = strawberry.field(description="The project's global id.")


@strawberry.input(description="Name exactly one grantee: `username` or `team`.")
class SetProjectAccessInput:
    project_id: relay.GlobalID = strawberry.field(description="The project's global id.")
    username: str | None = strawberry.field(
        default=None, description="A user; a member of the organization (OUTSIDER will do)."
    )
    team: str | None = strawberry.field(
        default=None, description="A team of the project's organization, by name."
    )
    role: models.ProjectRole = strawberry.field(
        description="The role to give; it replaces the grantee's grant, if any."
    )


@strawberry.input(description="Name exactly one grantee: `username` or `team`.")
class RemoveProjectAccessInput:
    project_id: relay.GlobalID = strawberry.field(description="The project's global id.")
    username: str | None = strawberry.field(default=None, description="A user, by username.")
    team: str | None = strawberry.field(default=None, description="A team, by name.")


@strawberry.input(description="The full list of a project's promotion sources.")
class SetPromotionSourcesInput:
    project_id: relay.GlobalID = strawberry.field(description="The target project's global id.")
    source_ids: list[relay.GlobalID] = strawberry.field(
        description="Projects of the same organization whose runs may be promoted here, at "
        "most 50; `[]` leaves only the project itself."
    )


@strawberry.input(description="The full list of the connections a project may use.")
class SetProjectConnectionsInput:
    project_id: relay.GlobalID = strawberry.field(description="The project's global id.")
    connection_ids: list[relay.GlobalID] = strawberry.field(
        description="Connections of the project's organization, at most 50; they replace the "
        "project's. `[]` leaves it none."
    )


@payload
class ProjectPayload:
    project: ProjectRef | None = None


@payload
class DeleteProjectPayload(Deleted):
    pass


@payload
class ProjectAccessPayload:
    grant: ProjectGrantRef | None = None


on_project = partial(mutation, target="Project")
on_access = partial(mutation, target="Project", target_field="project_id")


@strawberry.type
class ProjectMutation:
    create_project: ProjectPayload | None = in_organization(
        projects.create_project,
        CreateProjectInput,
        description="Create a project (a model registry or hub is a project).",
    )
    update_project: ProjectPayload | None = on_project(
        projects.update_project,
        UpdateProjectInput,
        description="Change a project's settings; only given fields change.",
    )
    archive_project: ProjectPayload | None = on_project(
        projects.archive_project,
        ProjectIdInput,
        archived=True,
        description="Make a project read-only.",
    )
    unarchive_project: ProjectPayload | None = on_project(
        projects.archive_project,
        ProjectIdInput,
        archived=False,
        description="Make an archived project writable again.",
    )
    delete_project: DeleteProjectPayload | None = on_project(
        projects.delete_project,
        ProjectIdInput,
        deletes=True,
        description="Delete a project with its runs and versions.",
    )
    set_project_connections: ProjectPayload | None = on_access(
        connections.set_project_connections,
        SetProjectConnectionsInput,
        id_fields={"connection_ids": "ExternalConnection"},
        description="Replace the connections a project may use (its ADMINs).",
    )
    set_project_access: ProjectAccessPayload | None = on_access(
        projects.set_access,
        SetProjectAccessInput,
        description="Grant (or change) a user's or a team's project role.",
    )
    remove_project_access: ProjectAccessPayload | None = on_access(
        projects.remove_access,
        RemoveProjectAccessInput,
        description="Take a user's or a team's grant away.",
    )

    @strawberry.mutation(description="Replace the projects whose runs may be promoted here.")
    async def set_promotion_sources(
        self,
        info: Info,
        input: Annotated[SetPromotionSourcesInput, strawberry.argument(description=INPUT_DOC)],
    ) -> ProjectPayload | None:
        project_id = decode_id(input.project_id, "Project", argument="projectId")
        source_ids = [decode_id(s, "Project", argument="sourceIds") for s in input.source_ids]
        return await mutate(
            info,
            ProjectPayload,
            lambda: projects.set_promotion_sources(info.context, project_id, source_ids),
        )
