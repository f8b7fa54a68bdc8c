from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from sqlalchemy import ColumnElement, Select, select
from strawberry import relay
from strawberry.scalars import JSON

from app.activity import models
from app.activity.details import visible_details
from app.activity.service import activity_statement, readable_activity
from app.errors import BadUserInput
from app.graphql.context import Info
from app.graphql.core import Connection, build_connection, filter_key, page_args
from app.names import normalize_slug
from app.pagination import SortKey
from app.pql import MAX_VALUES
from app.users.models import User as UserRow

if TYPE_CHECKING:
    from app.users.types import User

UserRef = Annotated["User", strawberry.lazy("app.users.types")]
NEWEST_FIRST = SortKey("-at", ((models.Activity.at, True), (models.Activity.id, True)))


@strawberry.type(name="Activity", description="One successful mutation: who did what, when.")
class Activity(relay.Node):
    activity_id: relay.NodeID[int]
    verb: str = strawberry.field(description="`project.created`, `team.member_added`, …")
    at: datetime
    _row: strawberry.Private[models.Activity]
    _actor_id: strawberry.Private[int | None]
    _subject: strawberry.Private[tuple[str, int]]

    @classmethod
    def from_row(cls, row: models.Activity) -> "Activity":
        return cls(
            activity_id=row.id,
            verb=row.verb,
            at=row.at,
            _row=row,
            _actor_id=row.actor_id,
            _subject=(row.subject_type, row.subject_id),
        )

    @strawberry.field(description="What changed, as far as the viewer may read what it names.")
    async def details(self, info: Info) -> JSON | None:
        return JSON(await visible_details(info, self._row))

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["Activity | None"]:
        ctx = info.context
        ids = [int(node_id) for node_id in node_ids]
        statement = select(models.Activity).where(
            models.Activity.id.in_(ids), readable_activity(ctx)
        )
        async with ctx.reading() as session:
            rows = {row.id: row for row in (await session.scalars(statement)).all()}
        return [cls.from_row(rows[i]) if i in rows else None for i in ids]

    @strawberry.field
    async def actor(self, info: Info) -> UserRef | None:
        from app.users.types import User  # noqa: PLC0415

        if self._actor_id is None:
            return None
        row = await info.context.loaders.users.by_id.load(self._actor_id)
        return None if row is None else User.from_row(row)

    @strawberry.field(
        description="What it acted on, if it still exists and the viewer may read it."
    )
    async def subject(self, info: Info) -> relay.Node | None:
        from app.graphql.schema import resolve_global_ids  # noqa: PLC0415  (sees every type)

        type_name, row_id = self._subject
        return (await resolve_global_ids(info, [relay.GlobalID(type_name, str(row_id))]))[0]


@strawberry.input
class ActivityFilter:
    verbs: list[str] | None = None
    actor: str | None = strawberry.field(default=None, description="A username.")
    after: datetime | None = None
    before: datetime | None = None

    def predicates(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.verbs:
            if len(self.verbs) > MAX_VALUES:
                raise BadUserInput(f"`verbs` takes at most {MAX_VALUES} values.")
            found.append(models.Activity.verb.in_(self.verbs))
        if self.actor is not None:
            actor = select(UserRow.id).where(UserRow.username == normalize_slug(self.actor))
            found.append(models.Activity.actor_id.in_(actor))
        if self.after is not None:
            found.append(models.Activity.at > self.after)
        if self.before is not None:
            found.append(models.Activity.at < self.before)
        return found


async def activity_connection(
    info: Info,
    organization_id: int,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    filter: ActivityFilter | None,
) -> Connection[Activity]:
    ctx = info.context
    args = page_args(info, first, after, last, before)
    where = filter.predicates() if filter is not None else []

    def statement() -> Select[models.Activity]:
        return activity_statement(ctx, None).where(*where)

    key = filter_key(
        filter and (tuple(filter.verbs or ()), filter.actor, filter.after, filter.before)
    )
    pages, counts = ctx.loaders.activity.of_organization.get(key, statement, NEWEST_FIRST)
    page = await pages.load((organization_id, args))
    return build_connection(page, Activity.from_row, lambda: counts.load(organization_id))
