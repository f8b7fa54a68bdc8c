"""Component specs in Polyaxon's shape: parsed safely (YAML or JSON), validated with pydantic,
canonicalized for a digest. Every error names its place: `inputs[2].type: unknown type "flaot"`.
"""

import hashlib
import json
import math
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from app.errors import InvalidSpec
from app.values import text_problem

MAX_SPEC_BYTES = 512 * 1024
MAX_DEPTH = 32
MAX_NODES = 20_000

# Polyaxon's IO types (V1 types), including connection kinds (s3, gcs, wasb, …).
IO_TYPES = frozenset(
    {
        "any", "str", "int", "float", "bool", "dict", "dict_of_dicts", "list", "uri", "auth",
        "path", "image", "event", "artifacts", "git", "s3", "gcs", "wasb", "metric", "metadata",
        "date", "datetime", "uuid", "file", "tensorboard", "dockerfile", "k8s_resource",
    }
)  # fmt: skip
RUN_KINDS = frozenset(
    {
        "job", "service", "dag", "tfjob", "pytorchjob", "mpijob", "mxjob", "xgbjob", "paddlejob",
        "rayjob", "daskjob", "notifier", "watchdog", "tuner", "cleaner",
    }
)  # fmt: skip
NAME = r"^[A-Za-z_][A-Za-z0-9_-]{0,127}$"


class ComponentIO(BaseModel):
    """One input or output. `type` may be omitted (any value), as in Polyaxon."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, strict=False)

    name: Annotated[str, Field(pattern=NAME)]
    type: str | None = None
    description: str | None = None
    is_optional: bool = Field(default=False, alias="isOptional")
    is_list: bool = Field(default=False, alias="isList")
    value: Any = None

    @field_validator("type")
    @classmethod
    def known_type(cls, value: str | None) -> str | None:
        if value is not None and value not in IO_TYPES:
            raise ValueError(f'unknown type "{value}"')
        return value


class RunSection(BaseModel):
    model_config = ConfigDict(extra="allow")

    kind: str

    @field_validator("kind")
    @classmethod
    def known_kind(cls, value: str) -> str:
        if value not in RUN_KINDS:
            raise ValueError(f'unknown run kind "{value}"')
        return value


class ComponentSpec(BaseModel):
    model_config = ConfigDict(extra="allow")

    kind: Literal["component"]
    version: float | str | None = None
    name: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    description: str | None = None
    tags: list[str] = Field(default_factory=list)
    inputs: list[ComponentIO] = Field(default_factory=list)
    outputs: list[ComponentIO] = Field(default_factory=list)
    run: RunSection

    @model_validator(mode="after")
    def unique_io_names(self) -> "ComponentSpec":
        seen: dict[str, str] = {}
        for section in ("inputs", "outputs"):
            for index, io in enumerate(getattr(self, section)):
                place = f"{section}[{index}]"
                if io.name in seen:
                    raise ValueError(
                        f'{place}.name: "{io.name}" is already used by {seen[io.name]}'
                    )
                seen[io.name] = place
        return self


class _GuardedLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases (no anchor bombs) and limits nesting and size."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise InvalidSpec(
                f"line {event.start_mark.line + 1}: YAML aliases (*{event.anchor}) are not "
                "allowed in component specs.",
                field="spec",
            )
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise InvalidSpec(f"the spec has more than {MAX_NODES:,} values.", field="spec")
        self._depth += 1
        if self._depth > MAX_DEPTH:
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise InvalidSpec(
                f"line {mark.line + 1}: nested deeper than {MAX_DEPTH} levels.", field="spec"
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except ValueError as error:  # a date like 2020-13-01, an int of 5,000 digits
            raise InvalidSpec(f"line {node.start_mark.line + 1}: {error}.", field="spec") from None


def _place(location: tuple[int | str, ...]) -> str:
    place = ""
    for part in location:
        place += f"[{part}]" if isinstance(part, int) else (f".{part}" if place else str(part))
    return place


def parse(text: str) -> dict[str, Any]:
    """The spec as a mapping: JSON read as JSON, anything else as YAML (PyYAML's YAML 1.1 is
    not a superset of JSON: it reads `1e-07` as a string and refuses tab indentation)."""
    if len(text.encode(errors="surrogatepass")) > MAX_SPEC_BYTES:
        raise InvalidSpec(f"the spec is over {MAX_SPEC_BYTES // 1024} KiB.", field="spec")
    if not text.strip():
        raise InvalidSpec("the spec is empty.", field="spec")
    loaded = _load_json(text)
    if loaded is None:
        try:
            loaded = yaml.load(text, Loader=_GuardedLoader)  # noqa: S506  (a SafeLoader subclass)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark
            where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            raise InvalidSpec(
                f"{where}{error.problem or 'not valid YAML or JSON'}.", field="spec"
            ) from None
        except yaml.YAMLError as error:
            raise InvalidSpec(f"not valid YAML or JSON ({error}).", field="spec") from None
    if not isinstance(loaded, dict):
        raise InvalidSpec("the spec must be a mapping (kind, inputs, outputs, run…).", field="spec")
    # The canonical form is JSON; YAML-only values (dates, timestamps) are refused, not guessed.
    _check_values(loaded)
    canonical: dict[str, Any] = json.loads(json.dumps(loaded, allow_nan=False))
    return canonical


def _load_json(text: str) -> Any:
    """The document when it is JSON; None when it is not (YAML then reads it)."""
    if not text.lstrip().startswith(("{", "[")):
        return None
    try:
        return json.loads(text)  # NaN and Infinity load; _check_values refuses them by place
    except RecursionError:
        # Hundreds of brackets deep: far past the limit. Handing it to YAML would make PyYAML's
        # scanner read every bracket first (half a second for 100,000) before the guard fires.
        raise InvalidSpec(f"nested deeper than {MAX_DEPTH} levels.", field="spec") from None
    except ValueError:
        return None  # YAML flow style, or an int of 5,000 digits: YAML says where


def _check_values(root: dict[str, Any]) -> None:
    """Every key a string and every value one JSON and both databases can hold, within the
    limits the YAML loader applies while reading (JSON documents skip that loader)."""
    nodes = 0
    pending: list[tuple[Any, tuple[int | str, ...]]] = [(root, ())]
    while pending:
        value, location = pending.pop()
        place = _place(location) or "spec"
        nodes += 1
        if nodes > MAX_NODES:
            raise InvalidSpec(f"the spec has more than {MAX_NODES:,} values.", field="spec")
        if len(location) >= MAX_DEPTH:
            raise InvalidSpec(f"{place}: nested deeper than {MAX_DEPTH} levels.", field="spec")
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    raise InvalidSpec(
                        f"{place}: the key {key!r} is not a string; quote it.", field="spec"
                    )
                _check_string(key, place)
                nodes += 1
                pending.append((item, (*location, key)))
        elif isinstance(value, list):
            pending.extend((item, (*location, index)) for index, item in enumerate(value))
        elif isinstance(value, str):
            _check_string(value, place)
        elif isinstance(value, float) and not math.isfinite(value):
            raise InvalidSpec(f"{place}: {value} is not a JSON number.", field="spec")
        elif value is not None and not isinstance(value, bool | int | float):
            raise InvalidSpec(
                f"{place}: {value!r} is not representable in JSON; quote it.", field="spec"
            )


def _check_string(value: str, place: str) -> None:
    problem = text_problem(value)
    if problem is not None:
        raise InvalidSpec(f"{place}: {problem} is not allowed in text.", field="spec")


def validate(text: str) -> tuple[dict[str, Any], ComponentSpec]:
    spec = parse(text)
    try:
        model = ComponentSpec.model_validate(spec)
    except ValidationError as error:
        first = error.errors()[0]
        place = _place(first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        if first["type"] == "missing":
            message = "is required"
        elif first["type"] == "literal_error":
            message = f"must be {first['ctx']['expected']}; got {first.get('input')!r}"
        if ": " in message and message.split(": ", 1)[0].startswith(("inputs[", "outputs[")):
            raise InvalidSpec(message, field="spec") from None
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        raise InvalidSpec(f"{place or 'spec'}: {message}{more}", field="spec") from None
    literal_connections(spec)  # the places connections are named hold names (or refuse here)
    return spec, model


def canonical_json(spec: dict[str, Any]) -> str:
    return json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(spec: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(spec).encode()).hexdigest()


def to_yaml(spec: dict[str, Any]) -> str:
    # Sorted like the digest's JSON: PostgreSQL's JSONB keeps no key order, SQLite's JSON does.
    return yaml.safe_dump(spec, sort_keys=True, allow_unicode=True)


def io_rows(model: ComponentSpec) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    def row(io: ComponentIO) -> dict[str, Any]:
        return {
            "name": io.name,
            "type": io.type,
            "description": io.description,
            "isOptional": io.is_optional,
            "isList": io.is_list,
            "value": io.value,
        }

    return [row(io) for io in model.inputs], [row(io) for io in model.outputs]


# ---- connections ------------------------------------------------------------------------------

# Where Polyaxon's distributed run kinds keep their replicas; each replica names connections as a
# job does (`connections`, `init[].connection`). A ray job's `workers` maps names to replicas.
REPLICAS = {
    "tfjob": ("chief", "ps", "worker", "evaluator"),
    "pytorchjob": ("master", "worker"),
    "mpijob": ("launcher", "worker"),
    "mxjob": ("scheduler", "server", "worker", "tuner", "tunerTracker", "tunerServer"),
    "xgbjob": ("master", "worker"),
    "paddlejob": ("master", "worker"),
    "daskjob": ("job", "worker", "scheduler"),
    "rayjob": ("head",),
}


def is_templated(name: str) -> bool:
    """`{{ params.destination.connection }}`: a name a run chooses when it runs, not now."""
    return "{{" in name or "{%" in name


def _names_in(section: dict[str, Any], place: str) -> list[tuple[str, str]]:
    """(place, name) of each connection a run section names: `connections` and the `connection`
    of each `init` entry (Polyaxon's two ways to mount one)."""
    found: list[tuple[str, str]] = []
    names = section.get("connections")
    if names is not None:
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise InvalidSpec(
                f"{place}.connections: must be a list of connection names.", field="spec"
            )
        found += [(f"{place}.connections[{i}]", name) for i, name in enumerate(names)]
    entries = section.get("init")
    if entries is not None:
        if not isinstance(entries, list):
            raise InvalidSpec(f"{place}.init: must be a list of init entries.", field="spec")
        for index, entry in enumerate(entries):
            name = entry.get("connection") if isinstance(entry, dict) else None
            if name is None:
                continue
            if not isinstance(name, str):
                raise InvalidSpec(
                    f"{place}.init[{index}].connection: must be a connection name.", field="spec"
                )
            found.append((f"{place}.init[{index}].connection", name))
    return found


def _sections(run: dict[str, Any], place: str) -> list[tuple[dict[str, Any], str]]:
    """The run and every part of it that mounts connections: replicas, and the inline components
    of a dag's operations (their own runs, and so on down)."""
    sections = [(run, place)]
    kind = run.get("kind")
    sections += [
        (run[replica], f"{place}.{replica}")
        for replica in REPLICAS.get(str(kind), ())
        if isinstance(run.get(replica), dict)
    ]
    workers = run.get("workers") if kind == "rayjob" else None
    if isinstance(workers, dict):
        sections += [
            (worker, f"{place}.workers.{name}")
            for name, worker in workers.items()
            if isinstance(worker, dict)
        ]
    operations = run.get("operations") if kind == "dag" else None
    for index, operation in enumerate(operations if isinstance(operations, list) else []):
        component = operation.get("component") if isinstance(operation, dict) else None
        inner = component.get("run") if isinstance(component, dict) else None
        if isinstance(inner, dict):
            sections += _sections(inner, f"{place}.operations[{index}].component.run")
    return sections


def literal_connections(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(place, name) of every connection the spec names literally, in document order; templated
    names are left to the run that resolves them."""
    run = spec.get("run")
    if not isinstance(run, dict):
        return []
    return [
        (place, name)
        for section, where in _sections(run, "run")
        for place, name in _names_in(section, where)
        if not is_templated(name)
    ]
