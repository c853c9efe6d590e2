"""Production settings with the benchmark's URLconf, which adds its comparison views."""

from wenming.settings import *  # noqa: F403  (the production settings, unchanged but the URLconf)

ROOT_URLCONF = "bench.urls"
