const { openPage, text, texts, tap, input, all, waitFor } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')

function listBackend(total = 45) {
  const queries = []
  wx.setBackend({
    'GET /goods': (req) => {
      queries.push(req.data)
      const start = (req.data.page - 1) * req.data.page_size
      const count = Math.max(0, Math.min(req.data.page_size, total - start))
      return fixtures.page(
        Array.from({ length: count }, (_, i) => fixtures.goodsCard({ id: start + i + 1, title: `商品${start + i + 1}` })),
        { total, pageNumber: req.data.page, pageSize: req.data.page_size }
      )
    },
  })
  return queries
}

test('opens filtered by the category from the query, with its title', async () => {
  const queries = listBackend()
  const page = await openPage('subpackages/goods/list/index', { categoryId: '3', title: '水果' })
  expect(queries[0]).toEqual({ category_id: '3', page: 1, page_size: 20 })
  expect(all(page, '.goods-list__card')).toHaveLength(20)
  expect(wx.calls.titles).toEqual(['水果'])
})

test('scrolling to the bottom loads the next pages until there are no more', async () => {
  const queries = listBackend(45)
  const page = await openPage('subpackages/goods/list/index')
  await page.instance.onReachBottom()
  await page.instance.onReachBottom()
  expect(all(page, '.goods-list__card')).toHaveLength(45)
  expect(text(page, '.goods-list__more >>> .load-more')).toBe('没有更多了')
  await page.instance.onReachBottom()
  expect(queries.map((q) => q.page)).toEqual([1, 2, 3])
})

test('sort tabs and search restart from page 1 with the new parameters', async () => {
  const queries = listBackend()
  const page = await openPage('subpackages/goods/list/index', { sort: 'sales' })
  expect(queries[0]).toMatchObject({ sort: 'sales', order: 'desc' })
  await tap(page, '.goods-list__sort', 2)
  await waitFor(() => queries.length === 2)
  expect(queries[1]).toMatchObject({ sort: 'price', order: 'asc', page: 1 })
  await tap(page, '.goods-list__sort', 2)
  await waitFor(() => queries.length === 3)
  expect(queries[2]).toMatchObject({ sort: 'price', order: 'desc' })
  expect(texts(page, '.goods-list__sort--active')).toEqual(['价格 ↓'])

  await input(page, '.goods-list__keyword', '苹果')
  find(page).dispatchEvent('confirm', { detail: { value: '苹果' } })
  await waitFor(() => queries.length === 4)
  expect(queries[3]).toMatchObject({ q: '苹果', page: 1 })
})

function find(page) {
  return page.querySelector('.goods-list__keyword')
}

test('a price range in yuan is sent in fen; a bad range is refused', async () => {
  const queries = listBackend()
  const page = await openPage('subpackages/goods/list/index')
  await tap(page, '.goods-list__filter-toggle')
  await input(page, '.goods-list__price-input--min', '20')
  await input(page, '.goods-list__price-input--max', '9.9')
  await tap(page, '.goods-list__filter-apply')
  expect(wx.calls.toasts).toEqual(['最低价不能高于最高价'])
  await input(page, '.goods-list__price-input--max', '99.5')
  await tap(page, '.goods-list__filter-apply')
  await waitFor(() => queries.length === 2)
  expect(queries[1]).toMatchObject({ min_price_fen: 2000, max_price_fen: 9950 })
  expect(text(page, '.goods-list__active-filter')).toBe('价格：¥20 - ¥99.5')
  await tap(page, '.goods-list__filter-toggle')
  await tap(page, '.goods-list__filter-reset')
  await waitFor(() => queries.length === 3)
  expect(queries[2].min_price_fen).toBeUndefined()
})

test('no results say so', async () => {
  listBackend(0)
  const page = await openPage('subpackages/goods/list/index', { q: '不存在' })
  expect(text(page, '.goods-list__empty >>> .empty-state__text')).toBe('没有找到相关商品，换个条件试试')
})
