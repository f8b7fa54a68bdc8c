"""Where the migrations and the policy are: inside the installed package when it came from a
wheel (the build copies them to `app/_bundled/`, see setup.py), else in the checkout, whose
top-level `migrations/` and `policies/` an editable install reads in place."""

from importlib import resources
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
NAMES = ("migrations", "policies")


def bundled(name: str) -> Path:
    """The directory `name` (`migrations` or `policies`), as a real path: Alembic and Casbin read
    files by path, and hubql is installed as files, never run from a zip."""
    packaged = resources.files("app") / "_bundled" / name
    if packaged.is_dir():
        return Path(str(packaged))
    return CHECKOUT / name
