"""The README's orders API (issue 24's "Done when"): curl reaches it on its local URL,
``http://orders-api.localhost:<port>/``, and it answers as the README shows."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.projects import make_project
from tests.support.sandbox import running_sandbox
from tests.support.urls import started

RESOURCE = """\
from skyfn import Cors, FunctionUrl, define_function

orders_api = define_function(
    url=FunctionUrl(
        auth="none",
        cors=Cors(allow_origins=["https://shop.example.com"], allow_methods=["GET", "POST"],
                  allow_headers=["content-type"], allow_credentials=False, max_age=600),
    ),
)
"""
HANDLER = """\
import json

def handler(event, context):
    if event["requestContext"]["http"]["method"] == "POST":
        order = json.loads(event["body"])
        return {"statusCode": 201, "headers": {"content-type": "application/json"},
                "body": json.dumps({"id": 42, **order})}
    return {"orders": []}
"""


@pytest.mark.skipif(shutil.which("curl") is None, reason="no curl on this machine")
def test_the_orders_api_answers_curl_locally(tmp_path: Path) -> None:
    resource = RESOURCE + "fn = orders_api  # what the test project's backend.py imports\n"
    root = make_project(tmp_path / "app", {"orders_api": resource}, {"orders_api": HANDLER})
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert RESOURCE.split("\n", 2)[2].split("max_age=600")[0].strip()[:40] in readme
    with running_sandbox(root) as box:
        started(box)
        url = f"http://orders-api.localhost:{box.port}/"
        assert any(url in line for line in box.out), box.out
        # curl resolves *.localhost to loopback itself (7.85 and later); --resolve for older
        pin = ["--resolve", f"orders-api.localhost:{box.port}:127.0.0.1"]
        got = subprocess.run(
            ["curl", "-s", "-i", *pin, url], capture_output=True, text=True, timeout=60
        ).stdout
        assert got.startswith("HTTP/1.1 200"), got
        assert json.loads(got.split("\n\n", 1)[1]) == {"orders": []}
        posted = subprocess.run(
            ["curl", "-s", "-i", *pin, "-H", "content-type: application/json",
             "-d", '{"item": "tea"}', url],
            capture_output=True, text=True, timeout=60,
        ).stdout  # fmt: skip
        assert posted.startswith("HTTP/1.1 201"), posted
        assert json.loads(posted.split("\n\n", 1)[1]) == {"id": 42, "item": "tea"}
