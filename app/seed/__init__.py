"""`hubql seed`: an empty, migrated database filled with a world to try hubql on or to measure it.

- small: the demo world (`demo.py`), through the services; the same for every seed.
- medium: the demo world and a generated population, as the seed draws it: its people and
  places through the services (`people.py`), its runs and versions in bulk (`work.py`).
- large: the benchmarks' data set (`large.py`), in bulk; the same for every seed.

All of it is written in one transaction: a seed that fails leaves the database empty.
"""

from enum import StrEnum

DEFAULT_SEED = 0


class Scale(StrEnum):
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"
