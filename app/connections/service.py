"""An organization's connections (kept by its OWNERs, MANAGERs and ADMINs: the policy's
`manage_connections`), and the ones each project may use (set by the project's ADMINs)."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.activity import service as activity
from app.authz.roles import Action, Kind
from app.connections.models import Connection, ConnectionKind, ProjectConnection
from app.connections.settings import validate_settings
from app.context import Context
from app.db import delete_now, locked, utcnow
from app.errors import Invalid, NotFoundInInput, Taken
from app.names import normalize_slug, validate_slug, validate_text
from app.projects.models import Project
from app.unset import UNSET

MAX_DESCRIPTION = 2000
MAX_PROJECT_CONNECTIONS = 50


async def _ensure_name_free(ctx: Context, organization_id: int, name: str) -> None:
    taken = await ctx.session.scalar(
        select(Connection.id).where(
            Connection.organization_id == organization_id, Connection.name == name
        )
    )
    if taken is not None:
        raise Taken(f"A connection named {name!r} already exists.", field="name")


async def _flush_named(ctx: Context, connection: Connection) -> None:
    """A concurrent request may have taken the name since `_ensure_name_free` looked: the
    unique constraint says so."""
    try:
        await ctx.session.flush()
    except IntegrityError as error:
        raise Taken(
            f"A connection named {connection.name!r} already exists.", field="name"
        ) from error


async def _record(
    ctx: Context,
    verb: str,
    connection: Connection,
    *,
    project_id: int | None = None,
    **details: Any,
) -> None:
    await activity.record(
        ctx,
        verb,
        ("ExternalConnection", connection.id),
        organization_id=connection.organization_id,
        project_id=project_id,
        details={"connection": connection.name, "kind": connection.kind.value, **details},
    )


async def create_connection(
    ctx: Context,
    organization_id: int,
    *,
    name: str,
    kind: ConnectionKind,
    description: str | None = None,
    settings: object = None,
) -> Connection:
    await ctx.access.get(Kind.ORGANIZATION, organization_id, Action.MANAGE_CONNECTIONS)
    connection = Connection(
        organization_id=organization_id,
        name=validate_slug(name, field="name"),
        kind=kind,
        description=validate_text(description, field="description", max_length=MAX_DESCRIPTION),
        settings=validate_settings(kind, settings),
        created_by_id=ctx.viewer.user_id,
    )
    await _ensure_name_free(ctx, organization_id, connection.name)
    ctx.session.add(connection)
    await _flush_named(ctx, connection)
    await _record(ctx, "connection.created", connection)
    return connection


async def update_connection(
    ctx: Context,
    connection_id: int,
    *,
    name: str | None = None,
    kind: ConnectionKind | None = None,
    description: str | None = UNSET,
    settings: object = UNSET,
) -> Connection:
    """Only what is given changes; the settings are checked against the kind it will have."""
    connection = await ctx.access.get(Kind.CONNECTION, connection_id, Action.UPDATE)
    changed: list[str] = []
    if name is not None:
        new_name = validate_slug(name, field="name")
        if new_name != connection.name:
            await _ensure_name_free(ctx, connection.organization_id, new_name)
            connection.name = new_name
            changed.append("name")
    if description is not UNSET:
        connection.description = validate_text(
            description, field="description", max_length=MAX_DESCRIPTION
        )
        changed.append("description")
    if kind is not None and kind is not connection.kind:
        connection.kind = kind
        changed.append("kind")
    if settings is not UNSET or "kind" in changed:
        given = connection.settings if settings is UNSET else settings
        connection.settings = validate_settings(connection.kind, given)
        changed.append("settings")
    connection.updated_at = utcnow()
    await _flush_named(ctx, connection)
    await _record(ctx, "connection.updated", connection, changed=changed)
    return connection


async def delete_connection(ctx: Context, connection_id: int) -> int:
    """The connection goes from the catalogue and from every project that could use it (a
    cascade): the activity says which, on the organization and on each project."""
    connection = await ctx.access.get(Kind.CONNECTION, connection_id, Action.DELETE)
    project_ids = list(
        await ctx.session.scalars(
            select(ProjectConnection.project_id)
            .where(ProjectConnection.connection_id == connection.id)
            .order_by(ProjectConnection.project_id)
        )
    )
    # Ids, not names: readers see the projects they may read (app/activity/details.py).
    await _record(ctx, "connection.deleted", connection, project_ids=project_ids)
    for project_id in project_ids:
        await _record(ctx, "project.connection_removed", connection, project_id=project_id)
    return await delete_now(ctx.session, connection)


async def set_project_connections(
    ctx: Context, project_id: int, *, connection_ids: Sequence[int]
) -> Project:
    """Replace the connections the project may use; each must be one of its organization's."""
    project = await ctx.access.get(Kind.PROJECT, project_id, Action.SET_CONNECTIONS)
    unique_ids = list(dict.fromkeys(connection_ids))
    if len(unique_ids) > MAX_PROJECT_CONNECTIONS:
        raise Invalid(
            f"At most {MAX_PROJECT_CONNECTIONS} connections per project.", field="connectionIds"
        )
    # Held shared until commit: a connection deleted meanwhile is either gone here (NOT_FOUND)
    # or waits for this write and then takes the new links with it.
    rows = {
        row.id: row
        for row in await ctx.session.scalars(
            locked(select(Connection).where(Connection.id.in_(unique_ids)), shared=True)
        )
    }
    readable = await ctx.access.readable(Kind.CONNECTION, [rows.get(i) for i in unique_ids])
    for connection_id, row in zip(unique_ids, readable, strict=True):
        place = f"connectionIds[{connection_ids.index(connection_id)}]"
        if row is None:
            raise NotFoundInInput(f"{place} names no connection you may read.", field=place)
        if row.organization_id != project.organization_id:
            raise Invalid(
                f"{place}: {row.name!r} is a connection of another organization; a project "
                "uses its own organization's.",
                field=place,
            )
    await ctx.session.execute(
        delete(ProjectConnection).where(ProjectConnection.project_id == project.id)
    )
    ctx.session.add_all(
        ProjectConnection(project_id=project.id, connection_id=i) for i in unique_ids
    )
    project.updated_at = utcnow()
    await ctx.session.flush()
    # Ids, not names: readers see the connections they may read (app/activity/details.py).
    await activity.record(
        ctx,
        "project.connections_set",
        ("Project", project.id),
        organization_id=project.organization_id,
        project_id=project.id,
        details={"name": project.name, "connection_ids": unique_ids},
    )
    return project


async def not_allowed(ctx: Context, project_id: int, names: Sequence[str]) -> list[str]:
    """Of `names` (a component spec's), those no connection the project may use answers to."""
    allowed = set(
        await ctx.session.scalars(
            select(Connection.name)
            .join(ProjectConnection, ProjectConnection.connection_id == Connection.id)
            .where(ProjectConnection.project_id == project_id)
        )
    )
    return [name for name in names if normalize_slug(name) not in allowed]
