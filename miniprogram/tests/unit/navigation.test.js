const routes = require('../../src/utils/routes')
const nav = require('../../src/utils/nav')
const { uuid4 } = require('../../src/utils/uuid')

test('page addresses carry their query, encoded, and skip empty values', () => {
  expect(routes.goodsList({ categoryId: 3, title: '水果', q: '' })).toBe(`/subpackages/goods/list/index?categoryId=3&title=${encodeURIComponent('水果')}`)
  expect(routes.orderDetail(5, { paid: 1 })).toBe('/subpackages/order/detail/index?orderId=5&paid=1')
  expect(routes.orderList()).toBe('/subpackages/order/list/index')
})

test('tab pages open with switchTab, others with navigateTo, falling back to redirectTo', () => {
  nav.go('/pages/cart/index')
  expect(wx.calls.switchTab).toEqual(['/pages/cart/index'])
  wx.navigateTo = (opts) => opts.fail({ errMsg: 'navigateTo:fail webview count limit exceed' })
  nav.go('/subpackages/goods/detail/index?goodsId=1')
  expect(wx.calls.redirectTo).toEqual(['/subpackages/goods/detail/index?goodsId=1'])
})

test('banner links: goods, category, in-app path, and web links copied for the browser', () => {
  nav.openLink('goods', '7')
  nav.openLink('category', '3')
  nav.openLink('url', '/subpackages/user/favorites/index')
  nav.openLink('url', 'https://example.com/a')
  nav.openLink('none', '')
  expect(wx.calls.navigateTo).toEqual([
    '/subpackages/goods/detail/index?goodsId=7',
    '/subpackages/goods/list/index?categoryId=3',
    '/subpackages/user/favorites/index',
  ])
  expect(wx.calls.clipboard).toEqual(['https://example.com/a'])
})

test('idempotency keys are random version-4 UUIDs', () => {
  const keys = new Set(Array.from({ length: 50 }, uuid4))
  expect(keys.size).toBe(50)
  for (const key of keys) expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
})
