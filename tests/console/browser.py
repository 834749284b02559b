"""Small helpers for the console's browser tests."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageDraw

from tests.console.conftest import ARTIFACTS, DESKTOP, PHONE
from tests.console.helpers import PASSWORD

# Reports every Content-Security-Policy violation of every page the tab opens.
REPORT_CSP_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (event) => {
  window.reportCspViolation(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`
    + ` at ${event.sourceFile || document.location.pathname}:${event.lineNumber} ${event.sample}`)
})
"""


@dataclass
class Tab:
    """A page in its own browser context, with the JavaScript errors it raised (CSP violations
    among them, as "CSP: …")."""

    page: Any
    base: str
    errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    dialogs: list[tuple[str, str]] = field(default_factory=list)
    """(type, message) of every dialog the page opened; answered as `accept_dialogs` says."""
    accept_dialogs: bool = True

    def asked(self, times: int = 1) -> Callable[[], Awaitable[bool]]:
        """A check for `tests.waiting.until`: the page has opened `times` dialogs."""

        async def check() -> bool:
            return len(self.dialogs) >= times

        return check

    async def answer(self, dialog: Any) -> None:
        self.dialogs.append((dialog.type, dialog.message))
        await (dialog.accept() if self.accept_dialogs else dialog.dismiss())

    def violated(self, report: str) -> None:
        self.csp_violations.append(report)
        self.errors.append(f"CSP: {report}")

    async def open(self, path: str) -> None:
        await self.page.goto(f"{self.base}/console{path}")

    async def login(self, username: str, password: str = PASSWORD) -> None:
        await self.open("/login")
        await self.page.fill("#username", username)
        await self.page.fill("#password", password)
        await self.page.click("button[type=submit]")
        await self.page.wait_for_load_state()

    async def screenshot(self, name: str, *, full_page: bool = True) -> None:
        await self.settled()
        await self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)

    async def settled(self) -> None:
        """Fonts loaded, the dashboard chart drawn (if the page has one), two frames painted."""
        await self.page.wait_for_function(
            "document.fonts.status === 'loaded' && (!window.echarts"
            " || !document.querySelector('[data-sales-chart]')"
            " || !document.getElementById('sales-chart-data')"
            " || document.querySelector('[data-sales-chart][data-drawn]'))"
        )
        await self.page.evaluate(
            "new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
        )

    async def horizontal_overflow(self) -> int:
        """How many CSS pixels the page is wider than the viewport (0 is what we want)."""
        width: int = await self.page.evaluate(
            "document.documentElement.scrollWidth - window.innerWidth"
        )
        return width


async def open_tab(browser: Any, base: str, *, phone: bool = False) -> Tab:
    context = await browser.new_context(
        viewport=PHONE if phone else DESKTOP,
        device_scale_factor=2 if phone else 1,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        is_mobile=phone,
        has_touch=phone,
    )
    context.set_default_timeout(10_000)
    page = await context.new_page()
    tab = Tab(page=page, base=base)
    await context.expose_function("reportCspViolation", tab.violated)
    await context.add_init_script(REPORT_CSP_VIOLATIONS)
    page.on("pageerror", lambda error: tab.errors.append(str(error)))
    page.on("dialog", tab.answer)
    return tab


def png(color: tuple[int, int, int], size: tuple[int, int] = (900, 900)) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, color)
    width, height = size
    ImageDraw.Draw(image).ellipse(
        (width // 4, height // 4, width * 3 // 4, height * 3 // 4), fill=(255, 255, 255)
    )
    image.save(buffer, "PNG")
    return buffer.getvalue()
