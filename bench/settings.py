"""Settings for the processes ``make bench`` starts itself (the gunicorn serving ``intake_post``): the local
settings, values from the environment as usual, plus the benchmark's URLconf with its baselines
(:mod:`bench.baseline_urls`). Never used outside the benchmark."""

from config.settings.local import *  # noqa: F403

ROOT_URLCONF = "bench.baseline_urls"
