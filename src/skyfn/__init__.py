"""skyfn: Python cloud functions with environment variables and secrets done right."""

from skyfn.definition import define_backend, define_function, secret

__version__ = "0.1.0"
__all__ = ["__version__", "define_backend", "define_function", "secret"]
