"""Accessibility checks in the console's browser tests: axe-core (vendored in
tests/support/axe/, run inside the page), colour schemes and zoom set through the DevTools
protocol, and WCAG's contrast ratio for what axe does not check (control borders)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

AXE = Path(__file__).parent / "axe" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: "tag", values: arguments[0]}, resultTypes: ["violations"]})
  .then((r) => done(r.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" ") + ": " + n.failureSummary)}))))
  .catch((e) => done([{id: "axe-error", impact: "critical", help: String(e), nodes: []}]));
"""


def violations(driver: Any) -> list[str]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the current page, one line each."""
    if not driver.execute_script("return typeof window.axe !== 'undefined'"):
        driver.execute_script(AXE.read_text(encoding="utf-8"))
    found = driver.execute_async_script(RUN, WCAG_AA)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} ({len(v['nodes'])} nodes): {v['nodes'][:2]}"
        for v in found
    ]


def color_scheme(driver: Any, scheme: str) -> None:
    """Make ``prefers-color-scheme`` answer ``scheme`` (light or dark) for this tab."""
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
    )


def zoom(driver: Any, width: int, height: int, scale: float) -> None:
    """A viewport of ``width`` x ``height`` CSS px at ``scale`` device pixels each: 1280 px
    at 200 % zoom is 640 CSS px at scale 2."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": False},
    )


def _rgb(css: str) -> tuple[float, float, float, float]:
    parts = [float(p) for p in re.findall(r"[\d.]+", css)]
    if len(parts) < 3:
        raise ValueError(f"not an rgb() colour: {css!r}")
    return parts[0], parts[1], parts[2], parts[3] if len(parts) > 3 else 1.0


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str) -> float:
    """WCAG's contrast ratio of two computed CSS colours (``rgb(...)``/``rgba(...)``);
    a translucent foreground is blended over the background first."""
    fr, fg, fb, alpha = _rgb(foreground)
    br, bg, bb, _ = _rgb(background)
    blended = (
        fr * alpha + br * (1 - alpha),
        fg * alpha + bg * (1 - alpha),
        fb * alpha + bb * (1 - alpha),
    )
    light, dark = sorted((_luminance(blended), _luminance((br, bg, bb))), reverse=True)
    return (light + 0.05) / (dark + 0.05)
