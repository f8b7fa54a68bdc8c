"""The probes' world (`target`) serves the scoped-token tests too."""

from tests.authz.test_every_root_field import target  # noqa: F401  (a fixture)
