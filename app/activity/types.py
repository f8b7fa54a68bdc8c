"""The activity log in the graph: views over `app.activity.models.Activity` rows."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import select
from strawberry import relay
from strawberry.scalars import JSON

from app.activity import models
from app.activity.details import visible_details
from app.activity.service import readable_activity
from app.graphql.context import Info
from app.graphql.kit import RowNode, related
from app.graphql.nodes import resolve_global_ids
from app.graphql.refs import UserRef
from app.users.models import User as UserRow


async def _details(row: strawberry.Parent[models.Activity], info: Info) -> JSON | None:
    return JSON(await visible_details(info, row))


@strawberry.type(name="Activity", description="One successful mutation: who did what, when.")
class Activity(RowNode):
    model = models.Activity
    verb: str = strawberry.field(description="`project.created`, `team.member_added`, …")
    at: datetime = strawberry.field(description="When it happened.")

    details: JSON | None = strawberry.field(
        resolver=_details, description="What changed, as far as the viewer may read what it names."
    )
    actor: UserRef | None = related(
        UserRow, "actor_id", description="Who did it; null when that user is gone."
    )

    @strawberry.field(
        description="What it acted on, if it still exists and the viewer may read it."
    )
    async def subject(
        self, row: strawberry.Parent[models.Activity], info: Info
    ) -> relay.Node | None:
        subject = relay.GlobalID(row.subject_type, str(row.subject_id))
        return (await resolve_global_ids(info, [subject]))[0]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        """Who may read an entry is a rule over the feed, decided in SQL (not a kind's role)."""
        ids = [int(node_id) for node_id in node_ids]
        statement = select(models.Activity).where(
            models.Activity.id.in_(ids), readable_activity(info.context)
        )
        rows = {row.id: row for row in (await info.context.session.scalars(statement)).all()}
        return [rows.get(i) for i in ids]
