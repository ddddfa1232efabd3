"""Lambda's settings a function may give (architecture, ephemeral storage, log retention),
each omitted, ``None`` or within Lambda's limits (``skyfn.runtime.lambda_platform``).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from skyfn.runtime import lambda_platform
from tests.support.backends.spec import OMIT


def architecture() -> st.SearchStrategy[Any]:
    return st.sampled_from([OMIT, None, *lambda_platform.ARCHITECTURES])


def ephemeral_storage_mb() -> st.SearchStrategy[Any]:
    return st.just(OMIT) | st.none() | st.integers(*lambda_platform.EPHEMERAL_STORAGE_RANGE)


def log_retention_days() -> st.SearchStrategy[Any]:
    return st.sampled_from([OMIT, None, *lambda_platform.LOG_RETENTION_DAYS])
