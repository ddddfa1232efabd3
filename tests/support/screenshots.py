"""``make screenshots``: one PNG of each console page, in docs/console/, from a demo project
run in a real sandbox and a headless Chromium (the README shows them).

    .venv/bin/python -m tests.support.screenshots [FOLDER]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from tests.support import browser
from tests.support.cli import run_skyfn
from tests.support.console import console_url
from tests.support.projects import make_project, resource, write
from tests.support.sandbox import running_sandbox

ROOT = Path(__file__).resolve().parents[2]
HELLO = """\
import os

def handler(event, context):
    print(f"greeting {event.get('name', 'World')} (key of {len(os.environ['API_KEY'])} chars)")
    return {"message": f"Hello, {event.get('name', os.environ['NAME'])}!"}
"""
RESIZE = """\
def handler(event, context):
    print(f"resizing {event.get('key')} to {event.get('width')} px")
    return {"resized": event.get("key"), "width": event.get("width")}
"""


def demo(root: Path) -> Path:
    project = make_project(
        root,
        {
            "say_hello": resource(
                '{"NAME": "World", "MAX_ITEMS": 25, "DEBUG": False, '
                '"API_ENDPOINT": "https://api.example.com/v1", "API_KEY": secret("MY_API_KEY")}',
                name="say-hello",
                timeout_seconds=3,
                memory_mb=512,
            ),
            "orders": resource(
                '{"TABLE": "orders", "DB_PASSWORD": secret("DB_PASSWORD"), '
                '"API_KEY": secret("MY_API_KEY")}',
                name="orders",
            ),
            "resize_image": resource('{"MAX_WIDTH": 2048}', name="resize-image"),
        },
        {"say_hello": HELLO, "orders": HELLO, "resize_image": RESIZE},
        app_id="demo",
    )
    write(project / "events" / "say-hello" / "alice.json", json.dumps({"name": "Alice"}))
    write(project / "events" / "say-hello" / "empty.json", "{}")
    return project


def main(argv: list[str]) -> None:
    out = Path(argv[0]) if argv else ROOT / "docs" / "console"
    reason = browser.missing()
    if reason is not None:
        raise SystemExit(f"screenshots: {reason}")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="skyfn-shots-") as tmp:
        env = {"SKYFN_HOME": str(Path(tmp) / "home")}
        project = demo(Path(tmp) / "demo")
        done = run_skyfn(
            "secret",
            "set",
            "MY_API_KEY",
            "--identifier",
            "dev",
            cwd=project,
            env=env,
            stdin="k-123",
        )
        assert done.code == 0, done.err
        with (
            running_sandbox(project, "--identifier", "dev", env=env) as box,
            browser.chromium() as d,
        ):
            client = box.client()
            for name in ("Bob", "Carol"):
                client.invoke(FunctionName="say-hello", Payload=json.dumps({"name": name}))
            client.invoke(FunctionName="resize-image", Payload=b'{"key": "cat.png", "width": 640}')
            d.get(console_url(box))
            base = d.current_url
            d.get(f"{base}functions/say-hello/invoke?event=alice")
            d.find_element("css selector", "#invoke").click()
            time.sleep(0.5)
            d.save_screenshot(str(out / "invoke.png"))
            d.get(base)
            d.save_screenshot(str(out / "functions.png"))
            d.get(f"{base}functions/orders")
            d.save_screenshot(str(out / "function.png"))
            d.get(f"{base}logs")  # the kept lines are in the page as served
            d.save_screenshot(str(out / "logs.png"))
            d.get(f"{base}secrets")
            d.save_screenshot(str(out / "secrets.png"))
    print(f"wrote {', '.join(sorted(p.name for p in out.glob('*.png')))} to {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
