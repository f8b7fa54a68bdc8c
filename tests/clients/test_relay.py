"""relay-compiler accepts the schema and clients/relay/src: Relay-style fragments with
`@connection` and `@refetchable` (by `node(id:)` and on Query) on five connections, and the
pages' queries that spread them. Codegen only: the SQLite leg runs it."""

import json
import shutil
from pathlib import Path

from tests.clients.toolchains import CLIENTS, SCHEMA, codegen_leg, node_modules, output, run

SOURCES = CLIENTS / "relay"
REFETCHABLE = (
    "OrganizationProjects_organization",
    "OrganizationMembers_organization",
    "ProjectRuns_project",
    "ModelVersions_project",
    "HubSearch_query",
)


def test_relay_compiler_compiles_the_fragments(tmp_path: Path) -> None:
    codegen_leg()
    modules = node_modules()
    shutil.copytree(
        SOURCES / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__generated__")
    )
    config = json.loads((SOURCES / "relay.config.json").read_text())
    config["schema"] = str(SCHEMA)
    (tmp_path / "relay.config.json").write_text(json.dumps(config))
    compiled = run([str(modules / ".bin" / "relay-compiler")], cwd=tmp_path)
    assert compiled.returncode == 0, output(compiled)
    artifacts = tmp_path / "src" / "__generated__"
    for fragment in REFETCHABLE:
        query = fragment.split("_")[0] + "PaginationQuery"
        assert (artifacts / f"{fragment}.graphql.ts").is_file(), output(compiled)
        text = (artifacts / f"{query}.graphql.ts").read_text()
        assert '"connection"' in (artifacts / f"{fragment}.graphql.ts").read_text()
        assert ("node(id: $id)" in text) != fragment.endswith("_query"), query
