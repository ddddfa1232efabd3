"""``os.path.realpath`` for many paths under a few folders, each folder resolved once.

``Path.resolve()`` looks at every component of every path (an ``lstat`` each: seven per
handler of a 1,000-function backend, most of a re-synth's model). Here a path's parent is
resolved once and remembered, and only its last component is looked at; when that one is
a symbolic link (or is ``.``/``..``, or the path is relative) the answer is
``os.path.realpath``'s own, so it is realpath's exactly. One ``Resolver`` per synth: it
remembers what the folders were while it runs."""

from __future__ import annotations

import os
import stat


class Resolver:
    def __init__(self) -> None:
        self._known: dict[str, str] = {}

    def realpath(self, path: str) -> str:
        known = self._known.get(path)
        if known is not None:
            return known
        head, tail = os.path.split(path)
        if not os.path.isabs(path) or tail in ("", ".", "..") or head == path:
            real = os.path.realpath(path)
        else:
            joined = os.path.join(self.realpath(head), tail)
            try:
                link = stat.S_ISLNK(os.lstat(joined).st_mode)
            except OSError:  # realpath's rule: what cannot be looked at is not a link
                link = False
            real = os.path.realpath(joined) if link else joined
        self._known[path] = real
        return real
