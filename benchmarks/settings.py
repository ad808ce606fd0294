"""Settings of the benchmark server: the product's, with the benchmark-only URLs added."""

from ims.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
