"""The component hub in the graph: component versions as views over `app.hub.models` rows."""

from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from app.authz.roles import Kind
from app.graphql.context import Info
from app.graphql.cost import ListSize
from app.graphql.kit import TAGS_DOC, RowNode, Slice, connection, in_project, payload
from app.graphql.refs import ComponentVersionRef
from app.hub import models
from app.hub import service as hub
from app.hub.listing import HUB
from app.hub.spec import to_yaml
from app.versions.types import (
    ProjectVersion,
    StageCondition,
    TransitionInput,
    UpdateInput,
    stage_conditions,
)


@strawberry.type(description="An input or output of a component.")
class ComponentIO:
    """A view over one entry of a version's `inputs` or `outputs` (JSON, as validated)."""

    name: str = strawberry.field(description="What the spec calls it.")
    type: str | None = strawberry.field(
        description="Its type as the spec says (`str`, `int`, `path`, …); null when any value is "
        "accepted."
    )
    description: str | None = strawberry.field(
        description="What the spec says about it; null when nothing."
    )
    is_optional: bool = strawberry.field(description="Whether a run may leave it out.")
    is_list: bool = strawberry.field(description="Whether it takes a list of values.")
    value: JSON | None = strawberry.field(description="The default value, if any.")

    @classmethod
    def of(cls, entry: dict[str, Any]) -> "ComponentIO":
        return cls(
            name=entry["name"],
            type=entry.get("type"),
            description=entry.get("description"),
            is_optional=bool(entry.get("isOptional")),
            is_list=bool(entry.get("isList")),
            value=JSON(entry.get("value")),
        )


def _spec_yaml(version: strawberry.Parent[models.ComponentVersion]) -> str:
    return to_yaml(version.spec)


def _inputs(version: strawberry.Parent[models.ComponentVersion]) -> list[ComponentIO]:
    return [ComponentIO.of(entry) for entry in version.inputs or []]


def _outputs(version: strawberry.Parent[models.ComponentVersion]) -> list[ComponentIO]:
    return [ComponentIO.of(entry) for entry in version.outputs or []]


@strawberry.type(
    name="ComponentVersion",
    description="A published, versioned component spec (Polyaxon's) in a hub project: what it "
    "runs and its inputs and outputs. The spec never changes under a published name.",
)
class ComponentVersion(RowNode, ProjectVersion):
    model, kind = models.ComponentVersion, Kind.COMPONENT_VERSION
    run_kind: str = strawberry.field(description="`job`, `service`, `dag`, …")
    spec: JSON = strawberry.field(description="The canonical spec.")
    spec_yaml: str = strawberry.field(resolver=_spec_yaml, description="The spec as YAML.")
    inputs: list[ComponentIO] = strawberry.field(
        resolver=_inputs,
        description="What a run of it takes, in the spec's order.",
        directives=[ListSize(assumed_size=10)],
    )
    outputs: list[ComponentIO] = strawberry.field(
        resolver=_outputs,
        description="What a run of it produces, in the spec's order.",
        directives=[ListSize(assumed_size=10)],
    )
    stage_conditions: list[StageCondition] = stage_conditions()


# ---- root fields and mutations ----------------------------------------------------------------


@strawberry.type
class HubQuery:
    @connection(
        HUB,
        description="Every component version the viewer may use: public ones everywhere and "
        "what their organizations allow.",
    )
    async def hub(self) -> Slice:
        return HUB.everything()

    @strawberry.field(
        description="`owner/component:v1`, or `owner/component@stable` for the version holding "
        "that alias; no tag is the latest version; the owner may be left out when the name is "
        "unambiguous."
    )
    async def component_version(
        self,
        info: Info,
        reference: Annotated[
            str,
            strawberry.argument(
                description="`owner/component:version`, `owner/component@alias`, "
                "`owner/component` or `component`."
            ),
        ],
    ) -> ComponentVersionRef | None:
        return await hub.find_by_reference(info.context, reference)


@strawberry.input(
    description="A component spec to validate and publish under a name. The identical spec "
    "again returns the existing version; another spec under that name is TAKEN."
)
class PublishComponentVersionInput:
    project_id: relay.GlobalID = strawberry.field(
        description="The hub project's global id (it needs the COMPONENT feature)."
    )
    name: str = strawberry.field(description="The version name, e.g. `1.1` or `latest`.")
    spec: str = strawberry.field(
        description="The component spec, YAML or JSON, up to 512 KiB; an invalid one is "
        "INVALID_SPEC."
    )
    description: str | None = strawberry.field(default=None, description="Up to 2,000 characters.")
    tags: list[str] = strawberry.field(default_factory=list, description=TAGS_DOC)


@strawberry.input(description="Only the given fields change; name and spec never do.")
class UpdateComponentVersionInput(UpdateInput):
    pass


@strawberry.input(description="Which component version.")
class ComponentVersionIdInput:
    id: relay.GlobalID = strawberry.field(description="The version's global id.")


@strawberry.input(description="A component version's move to another stage.")
class TransitionComponentVersionStageInput(TransitionInput):
    archive_others: bool = strawberry.field(
        default=False,
        description="On a move into PRODUCTION, move the component's other PRODUCTION versions "
        "to STAGING in the same transaction.",
    )


@payload
class ComponentVersionPayload:
    component_version: ComponentVersionRef | None = None


@strawberry.type
class HubMutation:
    publish_component_version: ComponentVersionPayload | None = in_project(
        hub.publish,
        PublishComponentVersionInput,
        description="Validate a spec and publish it as a version.",
    )
