"""A real headless Chromium (Debian's ``chromium`` and ``chromium-driver``) driven by
Selenium, for the console's browser tests and ``make screenshots``."""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

INSTALL = (
    "install a browser to run them: sudo apt-get install -y chromium chromium-driver "
    "(Debian/Ubuntu), then make test"
)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,860",
)


def chromium_binary() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def missing() -> str | None:
    """Why the browser tests cannot run here, or ``None`` when they can."""
    if importlib.util.find_spec("selenium") is None:
        return "selenium is not installed (pip install -e '.[dev]'); " + INSTALL
    if chromium_binary() is None or shutil.which("chromedriver") is None:
        return "no chromium/chromedriver on this machine; " + INSTALL
    return None


@contextmanager
def chromium(dark: bool = False) -> Iterator[Any]:
    """A fresh headless Chromium (its own throwaway profile) until the block ends."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="skyfn-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = chromium_binary() or "chromium"
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={profile}")
        if dark:
            options.add_argument("--force-dark-mode")
        service = Service(executable_path=shutil.which("chromedriver") or "chromedriver")
        driver = webdriver.Chrome(options=options, service=service)
        driver.set_page_load_timeout(60)
        try:
            yield driver
        finally:
            driver.quit()
