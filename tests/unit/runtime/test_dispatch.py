"""One function, secrets in several stores: each path read from the store it names, one
``read_many`` per store a round (so each store's batching holds), every miss reported."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from skyfn.runtime import contract, secrets
from skyfn.runtime.errors import SecretNotFound


class Recording:
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.calls: list[list[str]] = []

    def read_many(self, paths: Sequence[str]) -> dict[str, str]:
        self.calls.append(list(paths))
        return {p: self.values[p] for p in paths if p in self.values}


def test_paths_are_grouped_by_store_and_read_once_per_round() -> None:
    ssm = Recording({"/skyfn/a/shared/OWN": "own", "/legacy/key": "legacy"})
    sm = Recording({f"db{i}#password": f"pw{i}" for i in range(12)})
    spec = {
        "OWN": ["/skyfn/a/branch-main/OWN", "/skyfn/a/shared/OWN"],
        "LEGACY": [contract.external_path("ssm", "/legacy/key")],
        **{
            f"DB{i}": [contract.external_path("secretsmanager", f"db{i}#password")]
            for i in range(12)
        },
    }
    dispatch = secrets.Dispatch("ssm", ssm)
    dispatch.readers["secretsmanager"] = sm
    values = secrets.resolve(spec, dispatch, secrets.Wanted("fn", "ssm"))
    assert values["OWN"] == "own" and values["LEGACY"] == "legacy" and values["DB11"] == "pw11"
    assert len(sm.calls) == 1 and len(sm.calls[0]) == 12  # one batched round
    assert [sorted(call) for call in ssm.calls] == [
        ["/legacy/key", "/skyfn/a/branch-main/OWN"],
        ["/skyfn/a/shared/OWN"],  # the fallback round: only what is still missing
    ]


def test_a_missing_external_reference_names_its_store_and_owner() -> None:
    dispatch = secrets.Dispatch("local", Recording({}))
    dispatch.readers["secretsmanager"] = Recording({})
    spec = {"DB": [contract.external_path("secretsmanager", "prod/db|s:AWSPREVIOUS#password")]}
    with pytest.raises(SecretNotFound) as caught:
        secrets.resolve(spec, dispatch, secrets.Wanted("fn", "local"))
    assert str(caught.value).startswith(
        "Secrets Manager secret prod/db (stage AWSPREVIOUS) (key password) (environment DB of "
        "function fn) does not exist"
    )


def test_paths_name_their_store() -> None:
    assert contract.path_store("/skyfn/a/shared/X", "local") == ("local", "/skyfn/a/shared/X")
    assert contract.path_store("sm:arn:aws:secretsmanager:r:1:secret:x", "local") == (
        "secretsmanager",
        "arn:aws:secretsmanager:r:1:secret:x",
    )
    assert contract.path_store("ssm:/legacy/key:3", "local") == ("ssm", "/legacy/key:3")
