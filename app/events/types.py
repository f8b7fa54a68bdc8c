"""Live events in the graph: subscriptions over graphql-transport-ws, each a feed read from the
outbox (`app.events.outbox`) and authorized for the subscriber on every read, so a subscriber
who loses access stops receiving and an event about what they cannot read is never sent."""

from collections.abc import AsyncGenerator, Callable
from typing import Annotated, Any

import strawberry
from sqlalchemy import ColumnElement, and_
from strawberry import relay

from app.activity.models import Activity as ActivityRow
from app.activity.service import readable_activity
from app.authz.roles import Kind
from app.context import Context
from app.errors import NotFound
from app.events import outbox
from app.graphql.context import Info
from app.graphql.kit import decode_id
from app.graphql.nodes import resolve_global_ids
from app.graphql.refs import ActivityRef, ComponentVersionRef, ModelVersionRef
from app.organizations import service as organizations
from app.projects.models import Project

# Rows read per statement; a slow subscriber is sent them one by one as it takes them, so
# nothing queues in the server beyond one page.
PAGE = 100
# A backstop: read the feed at least this often even if no wake came.
POLL_SECONDS = 5.0
# How soon to read again when committed rows wait for an older transaction to end.
PENDING_SECONDS = 0.05


async def _release(ctx: Context) -> None:
    """Between reads, hold no connection and no stale rows: the next read decides afresh."""
    ctx.reset_loaders()
    await ctx.session.close()


async def feed(ctx: Context, where: Callable[[], ColumnElement[bool]]) -> AsyncGenerator[Any]:
    """Every activity row committed from now on that `where` (built anew for each read, as the
    subscriber's access stands then) admits, once, in feed order."""
    if ctx.events is None:
        raise RuntimeError("subscriptions need the process's event bus")
    cursor = await outbox.head(ctx.session)
    await _release(ctx)
    while True:
        waiter = ctx.events.waiter()
        try:
            found = await outbox.read(ctx.session, cursor, where(), PAGE)
            if not found.rows:
                await _release(ctx)
                await waiter.wait(PENDING_SECONDS if found.pending else POLL_SECONDS)
                continue
        finally:
            waiter.close()  # also when the subscriber leaves mid-read
        for row in found.rows:
            cursor = outbox.cursor_of(row)
            yield row
        await _release(ctx)


async def _readable_project(info: Info, project: relay.GlobalID) -> Project:
    ctx = info.context
    project_id = decode_id(project, "Project", argument="project")
    found = await ctx.access.readable_one(Kind.PROJECT, await ctx.session.get(Project, project_id))
    if found is None:
        raise NotFound("No such project.")
    return found


@strawberry.type(description="Something happened to a model version.")
class ModelVersionEvent:
    activity: ActivityRef = strawberry.field(
        description="What happened (`model_version.promoted`, `.stage_changed`, `.alias_set`, "
        "…), who, when."
    )
    model_version: ModelVersionRef | None = strawberry.field(
        description="The version as it is now; null once deleted or if the viewer may not read it."
    )


@strawberry.type(description="Something happened to a component version.")
class ComponentVersionEvent:
    activity: ActivityRef = strawberry.field(
        description="What happened (`component_version.published`, …), who, when."
    )
    component_version: ComponentVersionRef | None = strawberry.field(
        description="The version as it is now; null once deleted or if the viewer may not read it."
    )


async def _subject(info: Info, row: ActivityRow) -> Any:
    return (
        await resolve_global_ids(info, [relay.GlobalID(row.subject_type, str(row.subject_id))])
    )[0]


PROJECT_ARGUMENT = strawberry.argument(description="The project's global id.")


@strawberry.type(
    description="Live events over WebSocket (graphql-transport-ws on `/graphql`; the token in "
    'connection_init\'s payload as `{"Authorization": "Bearer …"}`). Each event is sent only if '
    "the subscriber may read it when it is sent."
)
class Subscription:
    @strawberry.subscription(
        description="Every successful mutation in the organization that the viewer may see, as "
        "`organization.activity` lists them, from now on."
    )
    async def activity(
        self,
        info: Info,
        organization: Annotated[str, strawberry.argument(description="The organization's name.")],
    ) -> AsyncGenerator[ActivityRef]:
        ctx = info.context
        found = await ctx.access.readable_one(
            Kind.ORGANIZATION, await organizations.find_by_name(ctx, organization)
        )
        if found is None:
            raise NotFound(f"No organization {organization!r}.")
        organization_id = found.id
        async for row in feed(
            ctx,
            lambda: and_(ActivityRow.organization_id == organization_id, readable_activity(ctx)),
        ):
            yield row

    @strawberry.subscription(
        description="Model versions of the project created, promoted, updated, moved between "
        "stages, given or relieved of aliases, or deleted, from now on."
    )
    async def model_version_events(
        self, info: Info, project: Annotated[relay.GlobalID, PROJECT_ARGUMENT]
    ) -> AsyncGenerator[ModelVersionEvent]:
        async for row in _version_feed(info, project, "ModelVersion"):
            yield ModelVersionEvent(activity=row, model_version=await _subject(info, row))

    @strawberry.subscription(
        description="Component versions of the project published, updated, moved between stages, "
        "given or relieved of aliases, or deleted, from now on."
    )
    async def component_version_events(
        self, info: Info, project: Annotated[relay.GlobalID, PROJECT_ARGUMENT]
    ) -> AsyncGenerator[ComponentVersionEvent]:
        async for row in _version_feed(info, project, "ComponentVersion"):
            yield ComponentVersionEvent(activity=row, component_version=await _subject(info, row))


async def _version_feed(
    info: Info, project: relay.GlobalID, subject_type: str
) -> AsyncGenerator[ActivityRow]:
    ctx = info.context
    project_id = (await _readable_project(info, project)).id
    async for row in feed(
        ctx,
        lambda: and_(
            ActivityRow.project_id == project_id,
            ActivityRow.subject_type == subject_type,
            readable_activity(ctx),
        ),
    ):
        yield row
