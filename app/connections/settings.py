"""A connection's settings, per kind: what a run needs to mount or reach it, never a secret.

hubql stores no credentials. Settings hold where a thing is (a bucket, a URL, a claim and the path
it is mounted at) and the *names* of the Kubernetes secret or config map that hold its
credentials (`secretName`, `configMapName`), as Polyaxon's connections do. A key that reads like
a credential (`password`, `token`, `accessKey`, …) or a value shaped like one (a private key, a
URL with a password in it, a cloud provider's key) is refused, and the error never repeats the
value.
"""

import re
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError
from pydantic.alias_generators import to_camel

from app.connections.models import ConnectionKind
from app.errors import Invalid
from app.values import text_problem

MAX_CUSTOM_KEYS = 20
MAX_VALUE = 1024

# Kubernetes object names (DNS-1123 subdomains): secrets, config maps, volume claims.
_KUBERNETES_NAME = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"
_ABSOLUTE_PATH = r"^/\S*$"
_ONE_TOKEN = r"^\S+$"  # noqa: S105  (one word, not a password)
_CUSTOM_KEY = r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$"
# What a value that fails each pattern is told.
_PATTERN_PROBLEMS = {
    _KUBERNETES_NAME: "must be a Kubernetes name (lowercase letters, digits, `-` and `.`)",
    _ABSOLUTE_PATH: "must be an absolute path without spaces",
    _ONE_TOKEN: "must be one word: not empty, no spaces",
    _CUSTOM_KEY: "is not a setting name (a letter, then letters, digits, `_`, `.` or `-`)",
}

KubernetesName = Annotated[str, Field(pattern=_KUBERNETES_NAME, max_length=253)]
# Where a volume is mounted in the run's containers, or a directory on the node.
AbsolutePath = Annotated[str, Field(pattern=_ABSOLUTE_PATH, max_length=MAX_VALUE)]
# A bucket (`s3://data`, `gs://data/prefix`, `wasbs://box@account.blob.core.windows.net/`), a
# repository or registry address: one token, no spaces.
Address = Annotated[str, Field(pattern=_ONE_TOKEN, max_length=MAX_VALUE)]
Short = Annotated[str, Field(pattern=_ONE_TOKEN, max_length=128)]
CustomKey = Annotated[str, Field(pattern=_CUSTOM_KEY)]


class _Settings(BaseModel):
    """Every kind may name the secret and the config map its runs read credentials from."""

    model_config = ConfigDict(extra="forbid", strict=True, alias_generator=to_camel)

    secret_name: KubernetesName | None = None
    config_map_name: KubernetesName | None = None


class BucketSettings(_Settings):
    bucket: Address


class S3Settings(BucketSettings):
    region: Short | None = None
    endpoint_url: Address | None = None  # MinIO and other S3-compatible stores


class VolumeClaimSettings(_Settings):
    volume_claim: KubernetesName
    mount_path: AbsolutePath
    read_only: bool | None = None


class HostPathSettings(_Settings):
    host_path: AbsolutePath
    mount_path: AbsolutePath
    read_only: bool | None = None


class GitSettings(_Settings):
    url: Address
    revision: Short | None = None


class RegistrySettings(_Settings):
    url: Address
    insecure: bool | None = None


class CustomSettings(RootModel[dict[CustomKey, Annotated[str, Field(max_length=MAX_VALUE)]]]):
    model_config = ConfigDict(strict=True)


SCHEMAS: dict[ConnectionKind, type[BaseModel]] = {
    ConnectionKind.S3: S3Settings,
    ConnectionKind.GCS: BucketSettings,
    ConnectionKind.WASB: BucketSettings,
    ConnectionKind.VOLUME_CLAIM: VolumeClaimSettings,
    ConnectionKind.HOST_PATH: HostPathSettings,
    ConnectionKind.GIT: GitSettings,
    ConnectionKind.REGISTRY: RegistrySettings,
    ConnectionKind.CUSTOM: CustomSettings,
}


def known_keys(kind: ConnectionKind) -> list[str]:
    """The settings a kind takes, as clients spell them (empty: CUSTOM takes its own)."""
    schema = SCHEMAS[kind]
    if issubclass(schema, RootModel):
        return []
    return [field.alias or name for name, field in schema.model_fields.items()]


# ---- secrets ----------------------------------------------------------------------------------

# Words that make a key a credential, once case, `_`, `-` and `.` are dropped: `accessKey`,
# `AWS_SECRET_ACCESS_KEY`, `client-secret`, `api.token`.
_SECRET_WORDS = (
    "password", "passwd", "passphrase", "secret", "token", "accesskey", "privatekey", "apikey",
    "sshkey", "credential", "connectionstring", "sastoken",
)  # fmt: skip
# …unless the key names where the credential is: `secretName`, `tokenSecretName`.
_REFERENCE_SUFFIXES = ("secretname", "configmapname")
# Values shaped like credentials: a PEM block, cloud and forge tokens.
_SECRET_VALUES = re.compile(
    r"-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)"
    r"|\b(AKIA|ASIA)[0-9A-Z]{16}\b"
    r"|\b(ghp|gho|ghs|ghu|ghr)_[A-Za-z0-9]{20,}"
    r"|\bgithub_pat_[A-Za-z0-9_]{20,}"
    r"|\bglpat-[A-Za-z0-9_-]{20,}"
    r"|\bxox[abprs]-[A-Za-z0-9-]{10,}"
)
_REFUSAL = (
    "hubql keeps no secrets: put it in a Kubernetes secret and name that secret with `secretName`."
)


def _is_secret_key(key: str) -> bool:
    plain = re.sub(r"[^a-z0-9]", "", key.lower())
    if plain.endswith(_REFERENCE_SUFFIXES):
        return False
    return plain == "key" or any(word in plain for word in _SECRET_WORDS)


def _has_password(value: str) -> bool:
    """`https://user:password@host/…`: a URL that carries its own credentials."""
    if "://" not in value:
        return False
    try:
        return urlsplit(value).password is not None
    except ValueError:  # a malformed port or IPv6 host: not a URL that could carry one
        return False


def _refuse_secrets(settings: dict[str, Any]) -> None:
    for key, value in settings.items():
        if _is_secret_key(key):
            raise Invalid(f"settings.{key} reads like a credential; {_REFUSAL}", field="settings")
        if isinstance(value, str) and (_SECRET_VALUES.search(value) or _has_password(value)):
            # The value is never repeated: it may be the secret itself.
            raise Invalid(
                f"settings.{key} holds what looks like a credential; {_REFUSAL}",
                field="settings",
            )


# ---- validation -------------------------------------------------------------------------------


def _message(kind: ConnectionKind, error: ValidationError) -> str:
    first = error.errors()[0]
    # A bad key is reported at the key (pydantic adds a `[key]` part after it).
    place = ".".join(str(part) for part in ("settings", *first["loc"]) if part != "[key]")
    kind_name = kind.value
    match first["type"]:
        case "missing":
            problem = f"is required for {kind_name} connections"
        case "extra_forbidden":
            known = ", ".join(f"`{key}`" for key in known_keys(kind))
            problem = f"is not a setting of {kind_name} connections (they take {known})"
        case "string_type":
            problem = "must be a string"
        case "bool_type":
            problem = "must be true or false"
        case "string_too_long" | "too_long":
            problem = f"is too long (at most {first['ctx']['max_length']})"
        case "string_pattern_mismatch":
            problem = _PATTERN_PROBLEMS.get(str(first["ctx"]["pattern"]), "is not well formed")
        case _:
            problem = str(first["msg"])
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{place} {problem}{more}."


def validate_settings(kind: ConnectionKind, settings: object) -> dict[str, Any]:
    """The settings as stored: checked against the kind, unset keys left out."""
    if settings is None:
        settings = {}
    if not isinstance(settings, dict):
        raise Invalid("settings must be an object of named values.", field="settings")
    for key, value in settings.items():
        if isinstance(value, str) and text_problem(value) is not None:
            raise Invalid(f"settings.{key} contains {text_problem(value)}.", field="settings")
    _refuse_secrets(settings)
    schema = SCHEMAS[kind]
    try:
        model = schema.model_validate(settings)
    except ValidationError as error:
        raise Invalid(_message(kind, error), field="settings") from None
    if isinstance(model, CustomSettings):
        if len(model.root) > MAX_CUSTOM_KEYS:
            raise Invalid(f"settings has at most {MAX_CUSTOM_KEYS} keys.", field="settings")
        return dict(model.root)
    stored: dict[str, Any] = model.model_dump(by_alias=True, exclude_none=True)
    return stored
