"""Settings for the test suite: the normal settings in `test` mode."""

import os

os.environ["ORTHOREGEN_ENV"] = "test"

from orthoregen.web.settings import *  # noqa: E402,F401,F403
