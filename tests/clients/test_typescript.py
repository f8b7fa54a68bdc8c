"""graphql-codegen (typescript, typescript-operations, typed-document-node) types for
schema/operations, and `tsc --strict` on clients/typescript/usage.ts, which uses them as a
frontend would. Codegen only: the SQLite leg runs it."""

import shutil
from pathlib import Path

from tests.clients.toolchains import (
    CLIENTS,
    OPERATIONS,
    SCHEMA,
    codegen_leg,
    node_modules,
    output,
    run,
)

SOURCES = CLIENTS / "typescript"


def test_graphql_codegen_types_pass_tsc_strict(tmp_path: Path) -> None:
    codegen_leg()
    modules = node_modules()
    for name in ("codegen.yml", "tsconfig.json", "usage.ts"):
        shutil.copyfile(SOURCES / name, tmp_path / name)
    (tmp_path / "node_modules").symlink_to(modules, target_is_directory=True)
    generated = run(
        [str(modules / ".bin" / "graphql-codegen"), "--config", "codegen.yml", "--silent"],
        cwd=tmp_path,
        env={"HUBQL_SCHEMA": str(SCHEMA), "HUBQL_OPERATIONS": str(OPERATIONS / "*.graphql")},
    )
    assert generated.returncode == 0, output(generated)
    types = (tmp_path / "generated" / "graphql.ts").read_text()
    assert "export const PromoteRunDocument" in types
    assert "export type ViewerQuery" in types
    checked = run(
        [str(modules / ".bin" / "tsc"), "-p", "tsconfig.json", "--strict", "--noEmit"],
        cwd=tmp_path,
    )
    assert checked.returncode == 0, output(checked)
