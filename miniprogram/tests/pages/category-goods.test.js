// The 分类 pane's goods (best sellers of the chosen category, scrolling for more) and the "+"
// on list cards: one SKU goes straight into the cart and the badge follows; several open the
// goods page with the spec sheet up, in cart mode.
const { openPage, texts, tap, all, waitFor } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')

const TREE = [
  { id: 1, name: '新鲜水果', icon_url: '', children: [{ id: 2, name: '进口水果', icon_url: '', children: [] }] },
  { id: 4, name: '时令蔬菜', icon_url: '', children: [] },
]

function backend({ total = 25, routes = {} } = {}) {
  const queries = []
  wx.setBackend(
    Object.assign(
      {
        'POST /auth/wx-login': { token: 't', expires_at: '2099-01-01T00:00:00Z', user: { id: 1, nickname: '', avatar_url: '' } },
        'GET /categories': TREE,
        'GET /goods': (req) => {
          queries.push(req.data)
          const start = (req.data.page - 1) * req.data.page_size
          const count = Math.max(0, Math.min(req.data.page_size, total - start))
          const items = Array.from({ length: count }, (_, i) =>
            fixtures.goodsCard({ id: start + i + 1, title: `${req.data.category_id === 4 ? '蔬菜' : '水果'}${start + i + 1}` })
          )
          return fixtures.page(items, { total, pageNumber: req.data.page, pageSize: req.data.page_size })
        },
      },
      routes
    )
  )
  return queries
}

test('the pane lists the chosen category’s best sellers below its sub-categories and scrolls for more', async () => {
  const queries = backend({ total: 25 })
  const page = await openPage('pages/category/index')
  expect(queries[0]).toEqual({ category_id: 1, sort: 'sales', order: 'desc', page: 1, page_size: 10 })
  expect(all(page, '.category__card')).toHaveLength(10)
  expect(texts(page, '.category__card >>> .goods-card__title')[0]).toBe('水果1')
  await page.instance.onPaneBottom()
  await page.instance.onPaneBottom()
  expect(all(page, '.category__card')).toHaveLength(25)
  expect(texts(page, '.category__more >>> .load-more')).toEqual(['没有更多了'])
  await page.instance.onPaneBottom()
  expect(queries.map((q) => q.page)).toEqual([1, 2, 3])
})

test('choosing another category starts its goods from the first page', async () => {
  const queries = backend({ total: 3 })
  const page = await openPage('pages/category/index')
  await tap(page, '.category__top', 1)
  await waitFor(() => texts(page, '.category__card >>> .goods-card__title')[0] === '蔬菜1')
  expect(queries[queries.length - 1]).toMatchObject({ category_id: 4, page: 1 })
  expect(all(page, '.category__card')).toHaveLength(3)
})

test('a category without goods says so', async () => {
  backend({ total: 0 })
  const page = await openPage('pages/category/index')
  expect(texts(page, '.category__goods-empty >>> .empty-state__text')).toEqual(['该分类暂无商品'])
})

test('"+" on a single-SKU card adds one unit and the cart badge shows it, without opening the page', async () => {
  const added = []
  backend({
    total: 1,
    routes: {
      'GET /goods/1': fixtures.goodsDetail({ id: 1, specs: [], skus: [{ id: 11, spec_values: [], price_fen: 990, stock: 9, image_url: '' }] }),
      'POST /cart/items': (req) => {
        added.push(req.data)
        return fixtures.cart([fixtures.cartLine({ sku_id: 11, quantity: 3 })])
      },
    },
  })
  const page = await openPage('pages/category/index')
  await tap(page, '.category__card >>> .goods-card__add')
  await waitFor(() => added.length === 1)
  expect(added[0]).toEqual({ sku_id: 11, quantity: 1 })
  await waitFor(() => wx.calls.tabBarBadges.length)
  expect(wx.calls.tabBarBadges[wx.calls.tabBarBadges.length - 1]).toEqual({ index: 2, text: '3' })
  expect(wx.calls.navigateTo).toEqual([])
})

test('"+" on a card with several SKUs opens the goods page with the spec sheet up in cart mode', async () => {
  backend({ total: 1, routes: { 'GET /goods/1': fixtures.goodsDetail({ id: 1 }), 'GET /goods/7': fixtures.goodsDetail() } })
  const list = await openPage('subpackages/goods/list/index')
  await tap(list, '.goods-list__card >>> .goods-card__add')
  await waitFor(() => wx.calls.navigateTo.length === 1)
  expect(wx.calls.navigateTo[0]).toBe('/subpackages/goods/detail/index?goodsId=1&pick=cart')

  const detail = await openPage('subpackages/goods/detail/index', { goodsId: '7', pick: 'cart' })
  expect(detail.instance.data.pickerVisible).toBe(true)
  expect(detail.instance.data.pickerMode).toBe('cart')
})

test('a sold-out card has no "+"', async () => {
  wx.setBackend({
    'GET /categories': TREE,
    'GET /goods': (req) => fixtures.page([fixtures.goodsCard({ id: 1, stock_left: 0 }), fixtures.goodsCard({ id: 2 })], { pageSize: req.data.page_size }),
  })
  const page = await openPage('pages/category/index')
  expect(all(page, '.category__card')).toHaveLength(2)
  expect(all(page, '.category__card >>> .goods-card__add')).toHaveLength(1)
})
