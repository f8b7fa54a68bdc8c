"""The one build step pyproject.toml cannot say: the wheel carries the top-level `migrations/` and
`policies/` inside the package (`app/_bundled/`), so an installed `hubql migrate` and `hubql serve`
find them (app/bundled.py). An editable install reads them from the checkout instead."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

BUNDLED = ("migrations", "policies")  # app/bundled.py NAMES


class BuildPyWithBundled(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        for name in BUNDLED:
            target = Path(self.build_lib, "app", "_bundled", name)
            shutil.rmtree(target, ignore_errors=True)  # a stale build/ keeps no removed revision
            shutil.copytree(name, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildPyWithBundled})
