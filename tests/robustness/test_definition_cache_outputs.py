"""A synth from the definition cache writes byte for byte what an uncached synth writes,
over the every-option generator's backends, in the sandbox's scope and the branch's; and
a no-op answered by the output manifest reports what comparing every file reports
(issue 27)."""

from __future__ import annotations

import itertools
import re
import shutil
from pathlib import Path
from typing import NoReturn

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from skyfn import outputs
from skyfn.definition_cache import CACHE_FILE, DefinitionCache
from skyfn.dotenv_files import apply_env_files
from skyfn.errors import SkyfnError
from skyfn.project import find_project
from skyfn.runtime.stores import StoreName
from skyfn.synth import run
from tests.support import backends as gen

COUNTER = itertools.count()


def not_rendered(*args: object) -> NoReturn:
    raise AssertionError("rendered, though nothing changed")


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "cache" not in p.relative_to(folder).parts
    }


@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_cached_synth_writes_what_an_uncached_one_writes(
    data: st.DataObject, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = data.draw(gen.backends(f"cache-{next(COUNTER)}"), "backend")
    for sm in backend.sm_secrets:  # as moto would name them (nothing is created here)
        backend.arns[sm.name] = (
            f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{sm.name}-AbCdEf"
        )
    root = gen.write_project(tmp_path_factory.mktemp("cached"), backend)
    project = find_project(root)
    try:
        for scope in backend.scopes():
            store: StoreName = "ssm" if scope.kind == "branch" else "local"
            with monkeypatch.context() as off:
                off.setenv("SKYFN_NO_DEFINITION_CACHE", "1")
                try:
                    outputs.synth(project, scope, store)
                except SkyfnError as exc:  # a generated clash: the cached synth says the same
                    with pytest.raises(SkyfnError, match=re.escape(str(exc))):
                        off.delenv("SKYFN_NO_DEFINITION_CACHE")
                        outputs.synth(project, scope, store)
                        outputs.synth(project, scope, store)
                    continue
            uncached = tree(project.skyfn_dir)
            shutil.rmtree(project.skyfn_dir / "generated")
            shutil.rmtree(project.skyfn_dir / "artifacts")
            outputs.synth(project, scope, store)  # records
            assert (project.skyfn_dir / CACHE_FILE).exists()
            shutil.rmtree(project.skyfn_dir / "generated")
            shutil.rmtree(project.skyfn_dir / "artifacts")
            apply_env_files(project.root, scope)
            restored = DefinitionCache(project.skyfn_dir, project.backend_dir).whole()
            outputs.synth(project, scope, store)  # from the cache
            assert tree(project.skyfn_dir) == uncached
            assert restored is not None  # the generated definitions are all trackable
            # Nothing changed: the output manifest answers (nothing rendered), as the
            # comparison of every file would.
            with monkeypatch.context() as hit:
                hit.setattr(run, "synth_outputs", not_rendered)
                kept = outputs.synth(project, scope, store).report
            with monkeypatch.context() as off:
                off.setenv("SKYFN_NO_OUTPUT_CACHE", "1")
                compared = outputs.synth(project, scope, store).report
            assert kept == compared and not kept.written and not kept.removed
            assert tree(project.skyfn_dir) == uncached
            shutil.rmtree(project.skyfn_dir)
    finally:
        apply_env_files(project.root, backend.scopes()[0])
