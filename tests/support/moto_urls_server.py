"""``moto_server`` with tests/support/moto_urls.py's additions (a module of its own: moto
names a model's service after its module, which ``__main__`` is not)."""

from __future__ import annotations

import tests.support.moto_urls  # noqa: F401  (registers AWS::Lambda::Url with moto)

if __name__ == "__main__":
    from moto.server import main

    main()
