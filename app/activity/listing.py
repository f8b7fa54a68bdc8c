"""An organization's activity as the graph pages it: newest first, what the viewer may see."""

from datetime import datetime

import strawberry
from sqlalchemy import ColumnElement, select

from app.activity.models import Activity
from app.activity.service import readable_activity_rows
from app.graphql.kit import FilterInput, Listing, where
from app.graphql.refs import ActivityRef
from app.names import normalize_slug
from app.pagination import SortKey
from app.pql import Condition, DateTimeField, Field, FieldSet, Op, TextField
from app.users.models import User


class ActorField(Field):
    """Who acted, by username (as clients name users), matched by id."""

    ops = frozenset({Op.EQ})

    def compile(self, condition: Condition) -> ColumnElement[bool]:
        actor = select(User.id).where(User.username == normalize_slug(condition.values[0]))
        return Activity.actor_id.in_(actor)


ACTIVITY_FIELDS = FieldSet(
    fields={
        "verbs": TextField(Activity.verb),
        "actor": ActorField(),
        "at": DateTimeField(Activity.at),
    }
)


@strawberry.input(description="Which entries of the activity feed; all given conditions hold.")
class ActivityFilter(FilterInput):
    verbs: list[str] | None = where(
        "verbs", Op.IN, description="Only these verbs, e.g. `project.created`."
    )
    actor: str | None = where("actor", description="Only what this user did, by username.")
    after: datetime | None = where("at", Op.GT, description="Only what happened after this.")
    before: datetime | None = where("at", Op.LT, description="Only what happened before this.")


ACTIVITY = Listing(
    model=Activity,
    node=ActivityRef,
    rows=readable_activity_rows,
    parent=Activity.organization_id,
    order=SortKey("-at", ((Activity.at, True), (Activity.id, True))),
    fields=ACTIVITY_FIELDS,
    filter=ActivityFilter,
)
