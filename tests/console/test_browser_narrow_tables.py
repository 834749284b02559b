"""In real Chromium at 375 px: the goods table (as cards) and the goods editor's SKU matrix
(scrolling inside its card) stay readable — no header or cell squeezed to one character per
line, nothing wider than the phone. Screenshots in test-artifacts/console/."""

from __future__ import annotations

from typing import Any

import httpx

from tests import factories
from tests.catalog.test_admin_catalog import goods_body
from tests.console.browser import open_tab
from xiaodian.context import AppContext

# For each header and short cell of `selector`: its text, how many characters and how many
# lines it takes (line boxes counted from each character's own rectangle).
LINES_OF_CELLS = """
(cells) => cells.filter((cell) => cell.offsetParent !== null).map((cell) => {
  const tops = new Set()
  let characters = 0
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT)
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.data.length; i += 1) {
      if (!node.data[i].trim()) continue
      const range = document.createRange()
      range.setStart(node, i)
      range.setEnd(node, i + 1)
      const rect = range.getBoundingClientRect()
      if (rect.width === 0) continue
      characters += 1
      tops.add(Math.round(rect.top / 4))
    }
  }
  return { text: cell.innerText.trim(), characters, lines: tops.size }
})
"""


async def _squeezed(page: Any, selector: str) -> list[dict[str, Any]]:
    """Cells of at least two characters that wrap to one character (or so) per line."""
    cells: list[dict[str, Any]] = await page.locator(selector).evaluate_all(LINES_OF_CELLS)
    return [
        cell
        for cell in cells
        if cell["characters"] >= 2 and cell["lines"] > 1 and cell["characters"] < 2 * cell["lines"]
    ]


async def test_the_goods_table_and_the_sku_matrix_are_readable_on_a_phone(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    owner = await factories.merchant(client, context)
    category_id = await factories.make_category(context, name="时令水果")
    body = goods_body(category_id, title="云南阳光玫瑰葡萄 新鲜当季 无籽脆甜", images=[])
    created = await client.post("/api/admin/v1/goods", json=body, headers=owner)
    assert created.status_code == 201, created.text
    goods = created.json()

    phone = await open_tab(browser, live_url, phone=True)
    page = phone.page
    await phone.login("owner")
    await phone.open("/goods")
    assert await phone.horizontal_overflow() == 0
    assert await _squeezed(page, "table.table td, table.table th") == []
    await phone.screenshot("goods-list-narrow-phone")

    await phone.open(f"/goods/{goods['id']}")
    matrix = page.locator("#goods-skus")
    await matrix.scroll_into_view_if_needed()
    assert await phone.horizontal_overflow() == 0
    assert await _squeezed(page, "#goods-skus thead th, #goods-skus td.combo") == []
    scroller = matrix.locator(".table-scroll")
    assert await scroller.evaluate("box => box.scrollWidth > box.clientWidth")  # scrolls inside
    await page.evaluate("window.scrollTo(0, 0)")
    await phone.screenshot("goods-matrix-narrow-phone")
    assert phone.errors == []
