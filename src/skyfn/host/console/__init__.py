"""The sandbox's local web console at ``/_console/``: functions, their environment and
secrets (never a value), invoking with saved events, live logs. Server-rendered HTML, one
CSS file and a little plain JavaScript from this package; nothing is fetched at run time."""

from skyfn.host.console.app import Console

__all__ = ["Console"]
