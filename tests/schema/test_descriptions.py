"""Every type, field, argument, input field and enum value has a description (api.md, 2026-11-30):
the SDL is the documentation frontends and code generators read."""

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    specified_directives,
    specified_scalar_types,
)

from app.graphql.schema import build_schema
from app.settings import Settings

_BUILT_IN_DIRECTIVES = {directive.name for directive in specified_directives}


def _described(description: str | None) -> bool:
    return bool(description and description.strip())


def _arguments(owner: str, arguments: dict[str, GraphQLArgument]) -> list[str]:
    return [
        f"argument {owner}({name}:)"
        for name, argument in arguments.items()
        if not _described(argument.description)
    ]


def undescribed(schema: GraphQLSchema) -> list[str]:
    """Each type, field, argument, input field, enum value and custom directive (with its
    arguments) the SDL leaves without a description, by its SDL coordinate."""
    missing: list[str] = []
    for name, named in sorted(schema.type_map.items()):
        if name.startswith("__") or name in specified_scalar_types:
            continue
        if not _described(named.description):
            missing.append(f"type {name}")
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in named.fields.items():
                if not _described(field.description):
                    missing.append(f"field {name}.{field_name}")
                missing += _arguments(f"{name}.{field_name}", field.args)
        elif isinstance(named, GraphQLInputObjectType):
            missing += [
                f"input field {name}.{field_name}"
                for field_name, field in named.fields.items()
                if not _described(field.description)
            ]
        elif isinstance(named, GraphQLEnumType):
            missing += [
                f"enum value {name}.{value_name}"
                for value_name, value in named.values.items()
                if not _described(value.description)
            ]
    for directive in schema.directives:
        if directive.name in _BUILT_IN_DIRECTIVES:
            continue
        if not _described(directive.description):
            missing.append(f"directive @{directive.name}")
        missing += _arguments(f"@{directive.name}", directive.args)
    return missing


def test_everything_in_the_schema_is_described(settings: Settings) -> None:
    missing = undescribed(build_schema(settings)._schema)
    assert not missing, f"{len(missing)} without a description:\n" + "\n".join(missing)
