"""Node resolution for rows that live in a project: readable when the project's policy says so."""

from collections.abc import Sequence
from typing import Protocol, TypeVar

from app.authz.roles import Action, Kind
from app.graphql.context import Info
from app.projects import service as projects


class InProject(Protocol):
    @property
    def project_id(self) -> int: ...


RowT = TypeVar("RowT", bound=InProject)


async def readable_in_projects(
    info: Info, rows: Sequence[RowT | None], kind: Kind
) -> list[RowT | None]:
    """The rows the viewer may read (others become None), with one batch of project facts."""
    ctx = info.context
    project_ids = [row.project_id for row in rows if row is not None]
    facts = dict(
        zip(
            project_ids,
            await ctx.loaders.projects.viewer_facts.load_many(project_ids),
            strict=True,
        )
    )
    readable: list[RowT | None] = []
    for row in rows:
        fact = None if row is None else facts.get(row.project_id)
        allowed = fact is not None and projects.may(ctx, fact, Action.READ, kind)
        readable.append(row if allowed else None)
    return readable
