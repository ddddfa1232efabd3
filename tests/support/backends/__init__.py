"""Generated backends for the every-option property test (``tests/robustness/
test_every_option.py``): hypothesis strategies over every option ``define_function``,
``secret``, ``aws_secret``, ``ssm_parameter``, ``vault_secret``, ``function_ref``,
``permissions=[...]``, Lambda's settings, ``[tool.skyfn]`` and ``.env`` files accept, in valid
combinations only; the project they describe on disk; the secrets they need, set in
the stores; and the answer each function must give in each scope.

Handlers answer ``{"env": {KEY: sha256(json of env.KEY)}, "environ": {KEY: sha256(
os.environ[KEY])}, "packages": [...]}`` for every variable of their environment, so answers
compare without showing a value; ``packages`` lists which of ``PACKAGES`` the function can
import (exactly those its own ``requirements.txt`` declares, issue 25). Every later option
goes into these generators (issue 20).

The modules, one idea each: ``spec`` (the records), ``store_contents`` (what the stores and
``.env`` files hold), ``variables`` (a function's environment), ``permissions``,
``settings``, ``layers`` (packages and layers), ``triggers`` (schedules, URLs),
``generate`` (a function, a backend), ``python_source`` and ``project`` (the project on
disk), ``fill_stores`` (the secrets set in the stores), ``answers`` (what each function
must answer).
"""

from __future__ import annotations

from tests.support.backends.answers import expected_answer, run_script
from tests.support.backends.fill_stores import enable_vault_mounts, set_secrets
from tests.support.backends.generate import backends
from tests.support.backends.layers import listed_layers
from tests.support.backends.project import write_project
from tests.support.backends.spec import Backend, FunctionSpec
from tests.support.backends.triggers import url_auth

__all__ = [
    "Backend",
    "FunctionSpec",
    "backends",
    "enable_vault_mounts",
    "expected_answer",
    "listed_layers",
    "run_script",
    "set_secrets",
    "url_auth",
    "write_project",
]
