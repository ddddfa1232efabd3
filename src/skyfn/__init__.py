"""skyfn: Python cloud functions with environment variables and secrets done right."""

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs a cold start ~10 ms
if TYPE_CHECKING:
    from skyfn.definition import define_backend, define_function, secret

__version__ = "0.1.0"
__all__ = ["__version__", "define_backend", "define_function", "secret"]


def __getattr__(name: str) -> object:
    # Lazy: every function process imports this package on its way to skyfn.runtime, and
    # the cold start must not pay for the definition API (dataclasses, inspect, pathlib).
    if name in ("define_backend", "define_function", "secret"):
        from skyfn import definition

        return getattr(definition, name)
    raise AttributeError(f"module 'skyfn' has no attribute {name!r}")
