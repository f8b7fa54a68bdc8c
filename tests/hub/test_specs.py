"""`app.hub.spec.validate` without a database: the 57 real Polyaxon hub specs are accepted as they
stand, a spec's digest does not depend on YAML or JSON, and every invalid spec is refused with an
`InvalidSpec` naming where it went wrong (and fast, for the hostile ones).
"""

import copy
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.errors import InvalidSpec
from app.hub import spec as specs
from app.seed.demo import HUB_SPECS

HUB = HUB_SPECS  # the vendored copy of Polyaxon's public hub
REAL_SPECS = sorted(HUB.glob("*/*.yaml"))
assert len(REAL_SPECS) == 57, "the 57 real specs are missing"
MINIMAL = "kind: component\nrun: {kind: job}\n"


def real(reference: str) -> str:
    """The text of a real spec, `component/version`."""
    return (HUB / f"{reference}.yaml").read_text()


def reference_of(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def ios(section: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(io["name"], io.get("type")) for io in section]


def with_body(body: str) -> str:
    """A valid component around `body` (more top-level YAML)."""
    return MINIMAL + body


def billion_laughs(levels: int = 9) -> str:
    """Each level is nine aliases of the one before: 9**9 strings if a loader expanded it."""
    lines = ['lol0: &lol0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        aliases = ", ".join([f"*lol{level - 1}"] * 9)
        lines.append(f"lol{level}: &lol{level} [{aliases}]")
    return with_body("\n".join(lines) + "\n")


def nested_yaml(levels: int) -> str:
    """`levelK:` is on line K + 3 at depth K + 2 (the document's mapping is depth 1): with 40
    levels, `level31` on line 34 is the first node deeper than 32."""
    lines = [f"{'  ' * depth}level{depth}:" for depth in range(levels)]
    return with_body("\n".join(lines) + f"\n{'  ' * levels}leaf: 1\n")


def nested_json(levels: int) -> str:
    return '{"kind": "component", "run": {"kind": "job"}, "x": ' + "[" * levels + "]" * levels + "}"


@dataclass(frozen=True)
class Bad:
    """An invalid spec and what its error message must say: the place, then the trouble."""

    id: str
    text: str
    says: tuple[str, ...]


TWO_MIB = with_body("description: '" + "x" * (2 * 1024 * 1024) + "'\n")

INVALID_SPECS = [
    # syntax
    Bad("yaml-tabs", "kind: component\nrun:\n\tkind: job\n", ("line 3, column 1", "'\\t'")),
    Bad("yaml-unclosed-brace", "kind: component\nrun: {kind: job\n", ("line 3", "'}'")),
    Bad(
        "yaml-unclosed-bracket",
        "kind: component\ninputs: [{name: a}\nrun: {kind: job}\n",
        ("line 3", "expected ',' or ']'"),
    ),
    Bad("json-unclosed", '{"kind": "component", "run": {"kind": "job"}', ("line 1",)),
    Bad("two-documents", MINIMAL + "---\n" + MINIMAL, ("line 3", "another document")),
    Bad(
        "python-tag",
        "kind: component\nrun: !!python/object/apply:os.system ['true']\n",
        ("line 2, column 6", "python/object/apply"),
    ),
    # the document's shape
    Bad("a-list", "- kind: component\n- run: {kind: job}\n", ("must be a mapping",)),
    Bad("a-json-list", '[{"kind": "component", "run": {"kind": "job"}}]', ("must be a mapping",)),
    Bad("a-scalar", "component", ("must be a mapping",)),
    Bad("only-a-comment", "# kind: component\n", ("must be a mapping",)),
    Bad("empty", "", ("the spec is empty",)),
    Bad("blank", " \n\t\n", ("the spec is empty",)),
    # kind and run
    Bad("wrong-kind", "kind: operation\nrun: {kind: job}\n", ("kind: must be 'component'",)),
    Bad("kind-in-capitals", "kind: Component\nrun: {kind: job}\n", ("kind: must be", "Component")),
    Bad("missing-kind", "run: {kind: job}\n", ("kind: is required",)),
    Bad("missing-run", "kind: component\n", ("run: is required",)),
    Bad("run-not-a-mapping", "kind: component\nrun: job\n", ("run: ",)),
    Bad("missing-run-kind", "kind: component\nrun: {container: {image: x}}\n", ("run.kind: is",)),
    Bad(
        "unknown-run-kind",
        "kind: component\nrun: {kind: jobb}\n",
        ('run.kind: unknown run kind "jobb"',),
    ),
    Bad("run-kind-not-a-string", "kind: component\nrun: {kind: 7}\n", ("run.kind: ",)),
    # inputs and outputs
    Bad(
        "duplicate-input-names",
        with_body("inputs: [{name: a}, {name: b}, {name: a}]\n"),
        ('inputs[2].name: "a" is already used by inputs[0]',),
    ),
    Bad(
        "input-and-output-with-one-name",
        with_body("inputs: [{name: a}]\noutputs: [{name: b}, {name: a}]\n"),
        ('outputs[1].name: "a" is already used by inputs[0]',),
    ),
    Bad(
        "unknown-input-type",
        with_body("inputs: [{name: a, type: str}, {name: b, type: int}, {name: c, type: flaot}]\n"),
        ('inputs[2].type: unknown type "flaot"',),
    ),
    Bad(
        "unknown-output-type",
        with_body("outputs: [{name: model, type: imgae}]\n"),
        ('outputs[0].type: unknown type "imgae"',),
    ),
    Bad(
        "input-without-name", with_body("inputs: [{type: str}]\n"), ("inputs[0].name: is required",)
    ),
    Bad(
        "name-with-spaces",
        with_body("inputs: [{name: ok}, {name: 'learning rate'}]\n"),
        ("inputs[1].name: ",),
    ),
    Bad(
        "is-optional-maybe",
        with_body("inputs: [{name: a, isOptional: maybe}]\n"),
        ("inputs[0].isOptional: ",),
    ),
    Bad("inputs-not-a-list", with_body("inputs: {name: a}\n"), ("inputs: ", "list")),
    Bad("input-not-a-mapping", with_body("inputs: [a]\n"), ("inputs[0]: ",)),
    Bad("type-not-a-string", with_body("inputs: [{name: a, type: [str]}]\n"), ("inputs[0].type",)),
    # other fields
    Bad("tags-not-a-list", with_body("tags: build\n"), ("tags: ", "list")),
    Bad("tags-not-strings", with_body("tags: [build, [nested]]\n"), ("tags[1]: ",)),
    Bad("description-not-a-string", with_body("description: {a: b}\n"), ("description: ",)),
    Bad("empty-name", with_body("name: ''\n"), ("name: ",)),
    # limits and hostile documents
    Bad("two-mib", TWO_MIB, ("over 512 KiB",)),
    Bad("nested-40-levels-yaml", nested_yaml(40), ("line 34", "nested deeper than 32 levels")),
    Bad("nested-40-levels-json", nested_json(40), ("nested deeper than 32 levels",)),
    Bad(
        "too-many-values", with_body("x: [" + ", ".join(["1"] * 25_000) + "]\n"), ("20,000 values",)
    ),
    Bad("billion-laughs", billion_laughs(), ("line 4", "aliases (*lol0)")),
    Bad("plain-alias", "kind: component\nrun: &run {kind: job}\nagain: *run\n", ("line 3", "*run")),
    Bad("merge-key", "kind: component\nbase: &b {kind: job}\nrun: {<<: *b}\n", ("line 3", "*b")),
    # values JSON cannot carry
    Bad("yaml-date", with_body("released: 2020-01-01\n"), ("released: ", "quote it")),
    Bad(
        "yaml-timestamp",
        with_body("inputs: [{name: since, type: str, value: 2020-01-01T10:00:00Z}]\n"),
        ("inputs[0].value: ",),
    ),
    Bad("impossible-date", with_body("released: 2020-13-01\n"), ("line 3", "month")),
    Bad(
        "yaml-nan",
        with_body("inputs: [{name: lr, type: float, value: .nan}]\n"),
        ("inputs[0].value: nan",),
    ),
    Bad(
        "yaml-inf",
        with_body("inputs: [{name: lr, type: float, value: .inf}]\n"),
        ("inputs[0].value: inf",),
    ),
    Bad("yaml-minus-inf", with_body("limits: {low: -.inf}\n"), ("limits.low: -inf",)),
    Bad(
        "json-nan",
        '{"kind": "component", "run": {"kind": "job"}, "inputs": [{"name": "lr", "value": NaN}]}',
        ("inputs[0].value: nan",),
    ),
    Bad(
        "json-infinity",
        '{"kind": "component", "run": {"kind": "job"}, "limits": [1, Infinity]}',
        ("limits[1]: inf",),
    ),
    Bad("yaml-binary", with_body("blob: !!binary aGVsbG8=\n"), ("blob: ", "quote it")),
    Bad("yaml-set", with_body("x: !!set {a, b}\n"), ("x: ",)),
    Bad("boolean-key", with_body("on: push\n"), ("the key True is not a string",)),
    Bad("integer-key", with_body("run2: {1: a}\n"), ("run2: the key 1 is not a string",)),
    Bad("date-key", with_body("2020-01-01: release\n"), ("the key datetime.date(2020, 1, 1)",)),
    Bad(
        "nul-character",
        with_body('args: ["--name", "a\\0b"]\n'),
        ("args[1]: a NUL character is not allowed",),
    ),
    Bad(
        "lone-surrogate",
        '{"kind": "component", "run": {"kind": "job", "args": ["\\ud800"]}}',
        ("run.args[0]: a lone UTF-16 surrogate is not allowed",),
    ),
    Bad("integer-of-5000-digits", with_body("x: " + "9" * 5000 + "\n"), ("line 3", "4300 digits")),
    Bad(
        "connections-not-a-list",
        "kind: component\nrun: {kind: job, connections: s3-data}\n",
        ("run.connections: must be a list of connection names",),
    ),
    Bad(
        "connection-not-a-name",
        "kind: component\nrun: {kind: job, init: [{connection: [a, b]}]}\n",
        ("run.init[0].connection: must be a connection name",),
    ),
    Bad(
        "replica-connections-not-a-list",
        "kind: component\nrun: {kind: tfjob, worker: {connections: {a: b}}}\n",
        ("run.worker.connections: must be a list",),
    ),
]


class TestRealSpecs:
    def test_there_are_57(self) -> None:
        assert len(REAL_SPECS) == 57

    @pytest.mark.parametrize("path", REAL_SPECS, ids=reference_of)
    def test_each_is_accepted_with_what_it_declares(self, path: Path) -> None:
        text = path.read_text()
        parsed, model = specs.validate(text)
        declared = yaml.safe_load(text)  # read independently of the validator
        assert parsed == json.loads(json.dumps(declared))  # nothing dropped, nothing guessed
        assert model.run.kind == declared["run"]["kind"]
        assert ios([io.model_dump() for io in model.inputs]) == ios(declared.get("inputs") or [])
        assert ios([io.model_dump() for io in model.outputs]) == ios(declared.get("outputs") or [])
        inputs, outputs = specs.io_rows(model)
        assert ios(inputs) == ios(declared.get("inputs") or [])
        assert ios(outputs) == ios(declared.get("outputs") or [])

    def test_kaniko_1_2(self) -> None:
        _, model = specs.validate(real("kaniko/1.2"))
        inputs, outputs = specs.io_rows(model)
        assert model.run.kind == "job"
        assert ios(inputs) == [("context", "str"), ("cache", "bool"), ("cache_ttl", "str")]
        assert ios(outputs) == [("destination", "image")]
        assert [(io["isOptional"], io["value"]) for io in inputs] == [
            (True, None),
            (True, True),
            (True, "1h"),
        ]
        assert outputs[0]["isOptional"] is False
        assert model.tags == ["build"]

    @pytest.mark.parametrize(
        ("reference", "connection"),
        [
            ("tensorboard/s3-path", "s3"),
            ("tensorboard/gcs-path", "gcs"),
            ("tensorboard/wasb-path", "wasb"),
        ],
    )
    def test_tensorboard_on_a_bucket(self, reference: str, connection: str) -> None:
        _, model = specs.validate(real(reference))
        inputs, outputs = specs.io_rows(model)
        assert model.run.kind == "service"
        assert ios(inputs) == [("image", "str"), ("path", connection)]
        assert outputs == []

    def test_buildah_inputs_without_a_type_accept_any_value(self) -> None:
        _, model = specs.validate(real("buildah/1.14.8"))
        inputs, outputs = specs.io_rows(model)
        assert ios(inputs) == [
            ("context", "str"),
            ("storage_drive", None),
            ("dockerfile", None),
            ("tls_verify", None),
            ("format", None),
        ]
        assert ios(outputs) == [("destination", "image")]

    def test_papermill_reads_and_writes_paths(self) -> None:
        _, model = specs.validate(real("papermill/latest"))
        inputs, outputs = specs.io_rows(model)
        assert ios(inputs) == [
            ("nb_input", "path"),
            ("parameters_file", "path"),
            ("parameters_yaml", "str"),
            ("parameters_base64", "str"),
        ]
        assert ios(outputs) == [("nb_output", "path")]

    def test_a_notebook_with_no_inputs(self) -> None:
        _, model = specs.validate(real("jupyter-lab/scipy"))
        assert model.run.kind == "service"
        assert specs.io_rows(model) == ([], [])

    def test_run_kinds_across_the_hub(self) -> None:
        kinds: dict[str, int] = {}
        for path in REAL_SPECS:
            kind = specs.validate(path.read_text())[1].run.kind
            kinds[kind] = kinds.get(kind, 0) + 1
        assert kinds == {"job": 24, "service": 33}  # counted with awk over the files


class TestDigest:
    @pytest.mark.parametrize("path", REAL_SPECS, ids=reference_of)
    def test_yaml_and_json_of_a_real_spec_have_one_digest(self, path: Path) -> None:
        yaml_spec, _ = specs.validate(path.read_text())
        as_json = json.loads(json.dumps(yaml.safe_load(path.read_text())))
        for text in (
            json.dumps(as_json),
            json.dumps(as_json, indent=2),
            json.dumps(as_json, indent="\t"),
            json.dumps(as_json, separators=(",", ":"), ensure_ascii=True),
        ):
            json_spec, _ = specs.validate(text)
            assert json_spec == yaml_spec
            assert specs.digest(json_spec) == specs.digest(yaml_spec)

    def test_json_numbers_keep_their_meaning(self) -> None:
        """PyYAML's YAML 1.1 reads `1e-07` as a string; a JSON spec is read as JSON."""
        as_yaml = with_body(
            "inputs:\n"
            "- {name: lr, type: float, value: 1.0e-07}\n"
            "- {name: big, type: float, value: 1.5e+300}\n"
            "- {name: steps, type: int, value: 100000}\n"
        )
        yaml_spec, _ = specs.validate(as_yaml)
        as_json = json.dumps(yaml_spec)
        assert "1e-07" in as_json
        assert "1.5e+300" in as_json
        json_spec, _ = specs.validate(as_json)
        assert [io["value"] for io in json_spec["inputs"]] == [1e-07, 1.5e300, 100000]
        assert specs.digest(json_spec) == specs.digest(yaml_spec)

    def test_layout_comments_and_key_order_do_not_change_it(self) -> None:
        text = real("kaniko/1.2")
        reordered = yaml.safe_dump(
            dict(reversed(list(yaml.safe_load(text).items()))), sort_keys=False
        )
        commented = "# kaniko\n" + text.replace("\n", "  # note\n", 3)
        digests = {specs.digest(specs.validate(t)[0]) for t in (text, reordered, commented)}
        assert len(digests) == 1

    def test_every_value_changes_it(self) -> None:
        base, _ = specs.validate(real("kaniko/1.2"))
        digests = {specs.digest(base)}
        changed = 0
        for location in leaves(base):
            mutated = copy.deepcopy(base)
            set_at(mutated, location, changed_value(get_at(base, location)))
            try:
                text_spec, _ = specs.validate(json.dumps(mutated))
            except InvalidSpec:
                text_spec = mutated  # e.g. kind: "component!": still another digest
            digest = specs.digest(text_spec)
            assert digest not in digests, location
            digests.add(digest)
            changed += 1
        assert changed >= 25  # every leaf of kaniko's spec, list items included

    @pytest.mark.parametrize(
        "change",
        [
            lambda s: s["inputs"].reverse(),  # order of a list
            lambda s: s["inputs"][0].update(extra=1),  # a new key
            lambda s: s["run"].update(connections=[]),  # a list emptied
            lambda s: s["inputs"][1].update(value="true"),  # true -> "true"
            lambda s: s["inputs"][1].update(value=1),  # true -> 1
            lambda s: s.update(version=1),  # 1.1 -> 1
        ],
        ids=["list-order", "new-key", "emptied-list", "bool-to-string", "bool-to-int", "float"],
    )
    def test_structural_changes_change_it(self, change: Any) -> None:
        base, _ = specs.validate(real("kaniko/1.2"))
        mutated = copy.deepcopy(base)
        change(mutated)
        assert specs.digest(specs.validate(json.dumps(mutated))[0]) != specs.digest(base)

    def test_it_is_the_sha256_of_sorted_compact_json(self) -> None:
        parsed, _ = specs.validate(MINIMAL)
        assert specs.canonical_json(parsed) == '{"kind":"component","run":{"kind":"job"}}'
        canonical = b'{"kind":"component","run":{"kind":"job"}}'
        assert specs.digest(parsed) == hashlib.sha256(canonical).hexdigest()


Location = tuple[str | int, ...]


def leaves(value: Any, location: Location = ()) -> Iterator[Location]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*location, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, (*location, index))
    else:
        yield location


def get_at(value: Any, location: Location) -> Any:
    for part in location:
        value = value[part]
    return value


def set_at(value: Any, location: Location, new: Any) -> None:
    for part in location[:-1]:
        value = value[part]
    value[location[-1]] = new


def changed_value(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if value is None:
        return "set"
    return f"{value}!"


class TestInvalidSpecs:
    def test_there_are_at_least_25(self) -> None:
        assert len(INVALID_SPECS) >= 25
        assert len({bad.id for bad in INVALID_SPECS}) == len(INVALID_SPECS)

    @pytest.mark.parametrize("bad", INVALID_SPECS, ids=lambda bad: bad.id)
    def test_is_refused_naming_the_place(self, bad: Bad) -> None:
        with pytest.raises(InvalidSpec) as raised:
            specs.validate(bad.text)
        assert raised.value.field == "spec"
        for fragment in bad.says:
            assert fragment in raised.value.message, (bad.id, raised.value.message)

    @pytest.mark.parametrize(
        ("text", "guard"),
        [
            (billion_laughs(), "YAML aliases (*lol0) are not allowed"),
            (billion_laughs(levels=30), "YAML aliases (*lol0) are not allowed"),
            (nested_yaml(5_000), "over 512 KiB"),
            (nested_json(100_000), "nested deeper than 32 levels"),
            (TWO_MIB, "over 512 KiB"),
        ],
        ids=["billion-laughs", "alias-bomb-30-levels", "nested-5000", "nested-json-100000", "2mib"],
    )
    def test_hostile_documents_are_refused_by_their_guard(self, text: str, guard: str) -> None:
        """Each is refused by the guard meant for it, before the work it would cause: no alias
        is expanded, no oversized text is parsed, and JSON nested past recursion never reaches
        YAML's scanner (which read all 100,000 brackets first: half a second of event loop)."""
        with pytest.raises(InvalidSpec) as raised:
            specs.validate(text)
        assert guard in raised.value.message

    def test_the_first_error_is_named_and_the_rest_counted(self) -> None:
        with pytest.raises(InvalidSpec) as raised:
            specs.validate(with_body("tags: [1, 2, 3]\n"))
        assert raised.value.message.startswith("tags[0]: ")
        assert raised.value.message.endswith("(and 2 more)")
