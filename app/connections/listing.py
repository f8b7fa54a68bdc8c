"""The lists of connections the graph pages: an organization's catalogue (what the viewer may
read of it) and the connections a project may use (everything a reader of the project sees)."""

from sqlalchemy import Select, select

from app.authz import filters
from app.connections.models import Connection, ConnectionKind, ProjectConnection
from app.context import Context
from app.graphql.kit import Listing
from app.graphql.refs import ExternalConnectionRef
from app.pagination import SortKey
from app.pql import DateTimeField, EnumField, FieldSet, SlugField, TextField

CONNECTION_FIELDS = FieldSet(
    fields={
        "name": SlugField(Connection.name),
        "kind": EnumField(Connection.kind, ConnectionKind),
        "description": TextField(Connection.description),
        "created_at": DateTimeField(Connection.created_at),
        "updated_at": DateTimeField(Connection.updated_at),
    }
)
BY_NAME = SortKey("name", ((Connection.name, False), (Connection.id, False)))


def _readable(ctx: Context) -> Select[Connection]:
    return select(Connection).where(filters.readable_connections(ctx))


def _allowed_in_projects(_: Context) -> Select[Connection]:
    return select(Connection).join(
        ProjectConnection, ProjectConnection.connection_id == Connection.id
    )


ORGANIZATION_CONNECTIONS = Listing(
    model=Connection,
    node=ExternalConnectionRef,
    rows=_readable,
    parent=Connection.organization_id,
    order=BY_NAME,
    fields=CONNECTION_FIELDS,
    queryable=True,
    query_description="e.g. `kind:s3|gcs, name:%data%`.",
)
# A project's: its readers see them all, so no filter beyond the project's own.
PROJECT_CONNECTIONS = Listing(
    model=Connection,
    node=ExternalConnectionRef,
    rows=_allowed_in_projects,
    parent=ProjectConnection.project_id,
    order=BY_NAME,
)
