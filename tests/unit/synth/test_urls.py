"""``define_function(url=...)`` at synth: Lambda's rules for a URL's CORS, one problem line
naming the function each, and each URL's local DNS label (collisions refused)."""

from __future__ import annotations

from pathlib import Path

import pytest

from skyfn import Cors, FunctionUrl
from skyfn.definition import BackendDefinition, define_function
from skyfn.errors import DefinitionError
from skyfn.model import Scope
from skyfn.model_urls import CorsRules, Url
from skyfn.synth import urls
from skyfn.synth.build import build_model


def build(tmp_path: Path, **functions: object) -> object:
    (tmp_path / "handler.py").write_text("def handler(event, context):\n    return 1\n")
    definitions = []
    for name, url in functions.items():
        d = define_function(name=name, url=url)  # type: ignore[arg-type]
        definitions.append(type(d)(**{**d.__dict__, "resource_file": tmp_path / "resource.py"}))
    return build_model(
        BackendDefinition(tuple(definitions)),
        app_id="app",
        scope=Scope("sandbox", "me"),
        project_root=tmp_path,
        secret_store="local",
    )


def problems(value: object) -> list[str]:
    found: list[str] = []
    urls.url(value, "orders", found.append)
    return found


def test_true_means_an_iam_url_and_none_or_false_no_url() -> None:
    found: list[str] = []
    assert urls.url(True, "Orders_API", found.append) == Url("iam", "orders-api")
    assert urls.url(None, "x", found.append) is None
    assert urls.url(False, "x", found.append) is None
    given = FunctionUrl(auth="none", cors=Cors(allow_origins=["*"], allow_methods=["get"]))
    assert urls.url(given, "x", found.append) == Url(
        "none", "x", CorsRules(allow_origins=("*",), allow_methods=("GET",))
    )
    assert found == []


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("yes", "is not a FunctionUrl"),
        (FunctionUrl(auth="public"), 'is not "iam" or "none"'),
        (FunctionUrl(cors={"allow_origins": ["*"]}), "is not a Cors"),  # type: ignore[arg-type]
        (FunctionUrl(cors=Cors(allow_methods=["TRACE"])), "allow_methods 'TRACE'"),
        (FunctionUrl(cors=Cors(allow_origins="*")), "is not a list of strings"),
        (FunctionUrl(cors=Cors(allow_origins=["example.com"])), "is not * or an origin"),
        (FunctionUrl(cors=Cors(allow_headers=["bad header"])), "is not an HTTP header name"),
        (FunctionUrl(cors=Cors(max_age=86401)), "max_age=86401"),
        (FunctionUrl(cors=Cors(allow_credentials="yes")), "allow_credentials"),  # type: ignore[arg-type]
        (FunctionUrl(cors=Cors(allow_origins=[f"https://h{i}.io" for i in range(101)])), "101"),
    ],
)
def test_each_wrong_url_is_one_clear_problem(value: object, said: str) -> None:
    found = problems(value)
    assert len(found) == 1 and said in found[0], found


def test_labels_are_dns_labels() -> None:
    assert urls.label("Orders_API") == "orders-api"
    assert urls.label("_x_") == "x"
    assert urls.label("a" * 64) == "a" * 63
    assert urls.label("___") == "fn"


def test_two_urls_on_one_origin_are_refused_naming_both(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError) as caught:
        build(tmp_path, my_api=True, MY_API=FunctionUrl(auth="none"), other=None)
    assert "my-api.localhost is also function MY_API's" in str(caught.value) or (
        "my-api.localhost is also function my_api's" in str(caught.value)
    )


def test_the_model_carries_the_url(tmp_path: Path) -> None:
    model = build(tmp_path, orders=FunctionUrl(auth="none"), plain=None)
    by_name = {f.name: f for f in model.functions}  # type: ignore[attr-defined]
    assert by_name["orders"].url == Url("none", "orders")
    assert by_name["plain"].url is None


def test_the_env_module_says_the_function_has_a_url(tmp_path: Path) -> None:
    import ast

    from skyfn.synth.envgen import render_env_module

    model = build(
        tmp_path, orders=FunctionUrl(auth="none", cors=Cors(allow_origins=["*"])), plain=None
    )
    by_name = {f.name: f for f in model.functions}  # type: ignore[attr-defined]
    doc = ast.get_docstring(ast.parse(render_env_module(by_name["orders"]))) or ""
    assert 'Triggers: a function URL (auth="none", CORS)' in doc
    assert "Triggers" not in render_env_module(by_name["plain"])
