const { openPage, text, texts, tap, waitFor, all } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')

function useHome(home) {
  wx.setBackend({ 'GET /home': home })
}

test('home page shows the banners, categories, best sellers and new arrivals from the API', async () => {
  useHome(fixtures.home())
  const page = await openPage('pages/home/index')

  expect(all(page, '.home__banner')).toHaveLength(2)
  expect(texts(page, '.home__category-name')).toEqual(['水果', '蔬菜', '全部分类'])
  expect(text(page, '.home__notice-text')).toBe('满 99 元包邮')
  expect(text(page, '.home__hot .home__section-title')).toBe('热销榜')
  const hotTitles = page.querySelectorAll('.home__hot-item').map((item) => item.dom.textContent)
  expect(hotTitles[0]).toContain('爆款苹果')
  expect(hotTitles[0]).toContain('¥19.90')
  expect(hotTitles[0]).toContain('已售1.2万')
  expect(text(page, '.home__new .home__section-title')).toBe('新品专区')
  expect(page.querySelector('.home__new').dom.textContent).toContain('仅剩3件')
  expect(wx.calls.titles).toEqual(['小店演示'])
})

test('empty promotion lists render no slot; non-empty ones render a slot with their goods', async () => {
  useHome(fixtures.home())
  let page = await openPage('pages/home/index')
  expect(all(page, '.home__promotion')).toHaveLength(0)

  wx.storage.clear()
  const flash = { id: 9, goods_id: 7, price_fen: 990, goods: fixtures.goodsCard({ id: 7, title: '秒杀苹果', price_fen: 1990 }) }
  useHome(fixtures.home({ promotions: { flash_sales: [flash], group_buys: [] } }))
  page = await openPage('pages/home/index')
  expect(texts(page, '.home__promotion .home__section-title')).toEqual(['限时秒杀'])
  const slot = page.querySelector('.home__promotion').dom.textContent
  expect(slot).toContain('秒杀苹果')
  expect(slot).toContain('¥9.90')
  expect(slot).toContain('¥19.90')
})

test('tapping a goods card, a banner and a category opens the matching page', async () => {
  const home = fixtures.home()
  useHome(home)
  const page = await openPage('pages/home/index')

  await tap(page, '.home__hot-card >>> .goods-card')
  expect(wx.calls.navigateTo.pop()).toBe(`/subpackages/goods/detail/index?goodsId=${home.hot[0].id}`)

  await tap(page, '.home__banner', 0)
  expect(wx.calls.navigateTo.pop()).toBe('/subpackages/goods/detail/index?goodsId=7')
  await tap(page, '.home__banner', 1)
  expect(wx.calls.navigateTo.pop()).toBe('/subpackages/goods/list/index?categoryId=3')

  await tap(page, '.home__category', 1)
  expect(wx.calls.navigateTo.pop()).toBe(`/subpackages/goods/list/index?categoryId=4&title=${encodeURIComponent('蔬菜')}`)
  await tap(page, '.home__category', 2)
  expect(wx.calls.switchTab.pop()).toBe('/pages/category/index')
})

test('the home payload is cached, and pull-down refresh fetches it again', async () => {
  useHome(fixtures.home())
  await openPage('pages/home/index')
  const page = await openPage('pages/home/index')
  expect(wx.calls.requests.filter((r) => r.path === '/home')).toHaveLength(1)

  await page.instance.onPullDownRefresh()
  expect(wx.calls.requests.filter((r) => r.path === '/home')).toHaveLength(2)
})

test('a failed load shows one error toast and a retry button that loads again', async () => {
  let fail = true
  wx.setBackend({ 'GET /home': () => (fail ? [500, { error: 'internal_error', message: 'boom' }] : fixtures.home()) })
  const page = await openPage('pages/home/index')
  expect(text(page, '.home__error .error-state__text')).toBe('加载失败')
  expect(wx.calls.toasts).toEqual(['服务器开小差了，请稍后重试'])

  fail = false
  await tap(page, '.home__error .btn')
  await waitFor(() => all(page, '.home__banner').length === 2)
  expect(all(page, '.home__error')).toHaveLength(0)
})
