"""Running Alembic from code: `hubql migrate`, the tests and readiness use the same config, with no
alembic.ini (a wheel has none; the checkout's serves only `make migration`)."""

import logging.config

from alembic import command
from alembic.config import Config

from app.bundled import bundled


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(bundled("migrations")))
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = database_url
    return config


def log_migrations() -> None:
    """Alembic's progress ("Running upgrade …") on stderr, warnings from everything else."""
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"plain": {"format": "%(levelname)-5.5s [%(name)s] %(message)s"}},
            "handlers": {
                "stderr": {
                    "class": "logging.StreamHandler",
                    "stream": "ext://sys.stderr",
                    "formatter": "plain",
                }
            },
            "root": {"level": "WARNING", "handlers": ["stderr"]},
            "loggers": {
                "sqlalchemy.engine": {"level": "WARNING"},
                "alembic": {"level": "INFO"},
            },
        }
    )


def upgrade_to_head(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "head")
