"""Connections in the graph: views over `app.connections.models` rows, and the catalogue's
mutations (which projects may use them is `setProjectConnections`, on projects).

The type is `ExternalConnection`, not `Connection`: every list in the graph is an
`XConnection` (Relay's naming), and `OrganizationConnection` already is the list of
organizations."""

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from app.authz.roles import Kind
from app.connections import models
from app.connections import service as connections
from app.graphql.context import Info
from app.graphql.kit import (
    Deleted,
    RowNode,
    described_enum,
    in_organization,
    mutation,
    payload,
    related,
    viewer_permissions,
)
from app.graphql.refs import ExternalConnectionRef, OrganizationRef
from app.organizations.models import Organization as OrganizationRow

described_enum(
    models.ConnectionKind,
    name="ExternalConnectionKind",
    description="What a connection reaches (Polyaxon's connection kinds); each kind takes its "
    "own `settings`, and every kind may add `secretName` and `configMapName`.",
    values={
        "S3": "An S3 (or S3-compatible) bucket: `bucket` (`s3://data`), optional `region` and "
        "`endpointUrl`.",
        "GCS": "A Google Cloud Storage bucket: `bucket` (`gs://data`).",
        "WASB": "An Azure Blob Storage container: `bucket` "
        "(`wasbs://box@account.blob.core.windows.net/`).",
        "VOLUME_CLAIM": "A Kubernetes persistent volume claim: `volumeClaim` and `mountPath`, "
        "optional `readOnly`.",
        "HOST_PATH": "A directory on the node: `hostPath` and `mountPath`, optional `readOnly`.",
        "GIT": "A git repository: `url`, optional `revision`.",
        "REGISTRY": "A container registry: `url`, optional `insecure`.",
        "CUSTOM": "Anything else: up to 20 settings of your own naming, each a string.",
    },
)

SETTINGS_DOC = (
    "Where it is and which Kubernetes secret or config map holds its credentials, as its kind "
    "takes them (see `ExternalConnectionKind`): strings, and booleans for `readOnly` and "
    "`insecure`. Never a secret: a key that reads like a credential (`password`, `token`, "
    "`accessKey`, …) or a value shaped like one is refused."
)


@strawberry.type(description="What the viewer may do to this connection.")
class ExternalConnectionPermissions:
    update: bool = strawberry.field(description="`updateConnection`.")
    delete: bool = strawberry.field(description="`deleteConnection`.")


def _settings(connection: strawberry.Parent[models.Connection]) -> JSON:
    return JSON(connection.settings)


def _kind(connection: strawberry.Parent[models.Connection]) -> models.ConnectionKind:
    return connection.kind


@strawberry.type(
    name="ExternalConnection",
    description="A named bucket, volume, repository or registry of an organization (Polyaxon's "
    "connection), which projects are allowed to use. Read by the organization's members and "
    "by readers of a project that may use it. It holds settings, never a secret.",
)
class ExternalConnection(RowNode):
    model, kind = models.Connection, Kind.CONNECTION
    name: str = strawberry.field(
        description="A slug, unique in the organization: what component specs name in "
        "`run.connections`."
    )
    # `kind` on the class is what the access kernel knows the type as: the field reads the row's.
    connection_kind: models.ConnectionKind = strawberry.field(
        name="kind", resolver=_kind, description="What it reaches."
    )
    description: str | None = strawberry.field(description="What it is for; null when unset.")
    settings: JSON = strawberry.field(resolver=_settings, description=SETTINGS_DOC)
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    organization: OrganizationRef = related(
        OrganizationRow, "organization_id", description="The organization whose catalogue it is in."
    )

    @strawberry.field(description="What the viewer may do to this connection.")
    async def viewer_can(
        self, connection: strawberry.Parent[models.Connection], info: Info
    ) -> ExternalConnectionPermissions:
        return await viewer_permissions(
            info, Kind.CONNECTION, connection, ExternalConnectionPermissions
        )


# ---- mutations --------------------------------------------------------------------------------


@strawberry.input(description="A new connection in an organization's catalogue.")
class CreateConnectionInput:
    organization_id: relay.GlobalID = strawberry.field(description="The organization's global id.")
    name: str = strawberry.field(
        description="A slug, unique in the organization: `^[a-z0-9][a-z0-9._-]{0,63}$`."
    )
    kind: models.ConnectionKind = strawberry.field(description="What it reaches.")
    description: str | None = strawberry.field(default=None, description="Up to 2,000 characters.")
    settings: JSON | None = strawberry.field(
        default=None, description=f"{SETTINGS_DOC} An object; none when omitted."
    )


@strawberry.input(description="Only the given fields change.")
class UpdateConnectionInput:
    id: relay.GlobalID = strawberry.field(description="The connection's global id.")
    name: str | None = strawberry.field(
        default=None,
        description="A new slug, unique in the organization; null keeps the name. Specs that "
        "name the old one are not changed.",
    )
    kind: models.ConnectionKind | None = strawberry.field(
        default=None,
        description="A new kind; null keeps it. The settings (given, or else the current ones) "
        "must suit it.",
    )
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="Up to 2,000 characters; null clears it."
    )
    settings: JSON | None = strawberry.field(
        default=strawberry.UNSET,
        description=f"The new settings, replacing the old whole. {SETTINGS_DOC}",
    )


@strawberry.input(description="Which connection to delete.")
class DeleteConnectionInput:
    id: relay.GlobalID = strawberry.field(description="The connection's global id.")


@payload
class ExternalConnectionPayload:
    connection: ExternalConnectionRef | None = None


@payload
class DeleteConnectionPayload(Deleted):
    pass


@strawberry.type
class ConnectionMutation:
    create_connection: ExternalConnectionPayload | None = in_organization(
        connections.create_connection,
        CreateConnectionInput,
        description="Add a connection to an organization's catalogue (OWNER, MANAGER, ADMIN).",
    )
    update_connection: ExternalConnectionPayload | None = mutation(
        connections.update_connection,
        UpdateConnectionInput,
        target="ExternalConnection",
        description="Rename a connection or change its kind, description or settings.",
    )
    delete_connection: DeleteConnectionPayload | None = mutation(
        connections.delete_connection,
        DeleteConnectionInput,
        target="ExternalConnection",
        deletes=True,
        description="Delete a connection; every project that could use it no longer can.",
    )
