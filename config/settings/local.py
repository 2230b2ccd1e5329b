"""Developer machine: `make run`."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)

# The demo asks no second factor unless SSP_REQUIRE_2FA=1 (production always asks; see README).
if not env_bool("SSP_REQUIRE_2FA", False):
    TWO_FACTOR_REQUIRED_ROLES = frozenset()
