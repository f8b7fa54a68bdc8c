"""What an activity's `details` may say to this viewer: no more than the objects it describes.

The feed itself is filtered in SQL (a viewer sees the activity of what they may read); within an
entry, details that describe something more private than its subject follow that thing's rule
(authz.md, 2026-11-30). One rule per verb that needs one; every other verb's details describe
only its subject, which the viewer may read.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from app.activity.models import Activity
from app.authz.roles import Action, Kind
from app.connections.models import Connection
from app.graphql.context import Info
from app.projects.models import Project

Details = dict[str, Any] | None
Rule = Callable[[Info, Activity], Awaitable[Details]]


async def _for_access_readers(info: Info, row: Activity) -> Details:
    """Who got which role: for those who may read the project's access list."""
    if row.project_id is None:
        return None
    project = await info.context.loaders.rows(Project).load(row.project_id)
    if project is None or not await info.context.access.may(
        Kind.PROJECT, project, Action.READ_ACCESS
    ):
        return None
    return row.details


async def _readable_sources(info: Info, row: Activity) -> Details:
    """The sources by name, in the order set, as far as the viewer may read them. Entries
    written before sources were recorded by id carry only their count: it is left out."""
    stored = dict(row.details or {})
    source_ids = stored.pop("source_ids", [])
    stored.pop("sources", None)
    rows = await info.context.loaders.rows(Project).load_many(source_ids)
    readable = await info.context.access.readable(Kind.PROJECT, rows)
    return {**stored, "sources": [source.name for source in readable if source is not None]}


async def _readable_projects(info: Info, row: Activity) -> Details:
    """A deleted connection's projects by name, as far as the viewer may read them."""
    stored = dict(row.details or {})
    rows = await info.context.loaders.rows(Project).load_many(stored.pop("project_ids", []))
    readable = await info.context.access.readable(Kind.PROJECT, rows)
    return {**stored, "projects": [project.name for project in readable if project is not None]}


async def _readable_connections(info: Info, row: Activity) -> Details:
    """The connections a project was allowed, by name, as far as the viewer may read them
    (a connection deleted since is left out: it is nothing any more)."""
    stored = dict(row.details or {})
    rows = await info.context.loaders.rows(Connection).load_many(stored.pop("connection_ids", []))
    readable = await info.context.access.readable(Kind.CONNECTION, rows)
    return {**stored, "connections": [c.name for c in readable if c is not None]}


RULES: dict[str, Rule] = {
    "connection.deleted": _readable_projects,
    "project.connections_set": _readable_connections,
    "project.access_set": _for_access_readers,
    "project.access_removed": _for_access_readers,
    "project.promotion_sources_set": _readable_sources,
}


async def visible_details(info: Info, row: Activity) -> Details:
    rule = RULES.get(row.verb)
    return row.details if rule is None else await rule(info, row)
