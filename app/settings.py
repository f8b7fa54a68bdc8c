from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.bundled import CHECKOUT, bundled

# The checkout, for what only a checkout has (the tests, the schema file, the README).
PROJECT_ROOT = CHECKOUT


class Settings(BaseSettings):
    """Everything configurable comes from HUBQL_* environment variables."""

    model_config = SettingsConfigDict(env_prefix="HUBQL_", frozen=True)

    database_url: str = "sqlite+aiosqlite:///./hubql.db"
    policy_dir: Path = bundled("policies")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # Behind a reverse proxy: the addresses whose X-Forwarded-For/-Proto headers are believed
    # (comma-separated, or "*"), and the path prefix the proxy serves hubql under (e.g.
    # "/hubql"; requests may arrive with it or without it).
    forwarded_allow_ips: str = "127.0.0.1"
    root_path: str = Field(default="", pattern=r"^(/[A-Za-z0-9._~-]+)*$")
    max_depth: int = Field(default=12, ge=1)
    max_aliases: int = Field(default=30, ge=0)
    max_tokens: int = Field(default=5000, ge=1)
    max_nodes: int = Field(default=50_000, ge=1)
    # Estimated nodes a viewer may ask for per minute, per process (0: no limit).
    rate_limit_per_minute: int = Field(default=1_000_000, ge=0)
    # PostgreSQL connection pool per process (SQLite ignores it): requests beyond
    # pool + overflow wait for a connection.
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=20, ge=0)
    # GraphQL operations one process runs at once; the others wait their turn (HTTP stays open).
    max_concurrent_operations: int = Field(default=4, ge=1)
    # Origins whose pages may call the API from a browser (CORS), e.g.
    # HUBQL_CORS_ORIGINS='["https://portal.example.com", "http://localhost:3000"]'; none by default.
    cors_origins: list[str] = Field(default_factory=list)
    # Subscriptions one WebSocket may hold at once.
    max_subscriptions_per_connection: int = Field(default=20, ge=1)
    # Encrypts what must be kept but not shown (webhook secrets); unset, webhooks are refused.
    secret_key: SecretStr | None = None
    # Webhooks: what a delivery may take, how often it is tried, and where it may go.
    webhook_allow_private_addresses: bool = False
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_max_attempts: int = Field(default=8, ge=1)
    webhook_retry_base_seconds: float = Field(default=10.0, gt=0)
    webhook_lease_seconds: float = Field(default=60.0, gt=0)
    webhook_disable_after_failures: int = Field(default=20, ge=1)
    webhook_poll_seconds: float = Field(default=1.0, gt=0)
    max_page_size: int = Field(default=100, ge=1)
    default_page_size: int = Field(default=20, ge=1)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    introspection: bool = True
    # GraphiQL (from the package, no CDN) at GET /graphql for browsers; off in production if
    # nobody should explore the API there. Introspection off turns it off too.
    graphiql: bool = True
    # Where the workers of `hubql serve` keep their metrics so that any of them answers /metrics
    # for all (prometheus-client's multiprocess mode; PROMETHEUS_MULTIPROC_DIR is the same
    # thing). Emptied of metric files at start. Unset: a temporary directory with --workers 2 or
    # more, in-memory metrics with one worker.
    metrics_dir: Path | None = None
    # Operation names one process gives their own metric series; later names count as "other".
    metrics_operation_names: int = Field(default=100, ge=1)
    log_format: Literal["console", "json"] = "console"
    log_level: str = "INFO"


@lru_cache
def get_settings() -> Settings:
    return Settings()
