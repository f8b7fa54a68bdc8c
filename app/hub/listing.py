"""The lists of component versions the graph pages: the hub, and a project's."""

from app.graphql.kit import where
from app.graphql.refs import ComponentVersionRef
from app.hub.models import ComponentVersion
from app.hub.service import readable_versions
from app.pql import Op, TextField
from app.versions.listing import version_listing

_component_versions = version_listing(
    ComponentVersion,
    ComponentVersionRef,
    "ComponentVersion",
    own_field=("kind", TextField(ComponentVersion.run_kind)),
    own_filter=("kind", list[str] | None, where("kind", Op.IN, description="Run kinds.")),
)
# Every component version the viewer may use: the hub.
HUB = _component_versions(rows=readable_versions)
# A project's versions (the project was readable, so its versions are).
COMPONENT_VERSIONS = _component_versions(parent=ComponentVersion.project_id)
