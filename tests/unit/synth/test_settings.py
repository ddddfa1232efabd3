"""Synth's checks of Amplify's settings: one clear line each, naming the function."""

from __future__ import annotations

from pathlib import Path

import pytest

from skyfn import scope
from skyfn.errors import DefinitionError
from skyfn.model_settings import Settings
from skyfn.project import open_project
from skyfn.synth.run import load_model
from tests.support.projects import make_project

LAYER = "arn:aws:lambda:eu-west-1:123456789012:layer:pillow:3"


def synth(tmp_path: Path, options: str) -> Settings:
    body = f"from skyfn import define_function\nfn = define_function(name='fn', {options})\n"
    root = make_project(tmp_path / "app", {"fn": body})
    model = load_model(open_project(root), scope.branch("main"), "ssm")
    return model.functions[0].settings


def test_every_setting_reaches_the_model(tmp_path: Path) -> None:
    found = synth(
        tmp_path,
        f"architecture='arm64', ephemeral_storage_mb=10240, layers=[{LAYER!r}], "
        "log_retention_days=3653, reserved_concurrency=0",
    )
    assert found == Settings("arm64", 10240, (LAYER,), 3653, 0)


def test_none_set_is_lambda_s_defaults(tmp_path: Path) -> None:
    assert synth(tmp_path, "") == Settings()


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ("architecture='arm'", "architecture 'arm' is not one of 'x86_64', 'arm64'"),
        (
            "ephemeral_storage_mb=511",
            "ephemeral_storage_mb must be a whole number of MB from 512 to 10240, got 511",
        ),
        ("ephemeral_storage_mb=10241", "from 512 to 10240, got 10241"),
        ("ephemeral_storage_mb=True", "got True"),
        ("layers='x'", "layers must be a list of layer version ARNs and define_layer layers"),
        (f"layers=[{LAYER!r}] * 6", "layers has 6 entries; Lambda allows at most 5"),
        (
            "layers=['arn:aws:lambda:eu-west-1:123456789012:layer:pillow']",
            "is not a layer version ARN",
        ),
        (f"layers=[{LAYER!r}, {LAYER!r}]", "lists a layer twice"),
        ("layers=['two words']", "'two words' is neither a layer version ARN nor the name of"),
        ("layers=[3]", "3 is neither a layer version ARN nor the name of a layer"),
        ("log_retention_days=2", "log_retention_days 2 is not one CloudWatch Logs allows: 1, 3, 5"),
        ("reserved_concurrency=-1", "reserved_concurrency must be a whole number from 0"),
    ],
)
def test_a_wrong_setting_is_one_line_naming_the_function(
    tmp_path: Path, options: str, expected: str
) -> None:
    with pytest.raises(DefinitionError) as caught:
        synth(tmp_path, options)
    text = str(caught.value)
    assert text.startswith("function fn: ") and "\n" not in text
    assert expected in text
