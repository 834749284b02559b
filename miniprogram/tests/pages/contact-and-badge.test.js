// Customer service on the goods page, the order page and 我的; the cart's unit count on the
// 购物车 tab and on the goods page's cart icon; the cart's 免运费 hint.
const { openPage, text, tap, all, waitFor } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')
const badge = require('../../src/utils/cart-badge')

function backend(routes = {}) {
  wx.setBackend(
    Object.assign(
      {
        'POST /auth/wx-login': { token: 't', expires_at: '2099-01-01T00:00:00Z', user: { id: 1, nickname: '', avatar_url: '' } },
        'GET /home': fixtures.home(),
        'GET /goods/7': fixtures.goodsDetail(),
        'GET /me': { id: 1, nickname: '小王', avatar_url: '', order_counts: {} },
        'GET /orders/5': fixtures.order({ id: 5, status: 'paid' }),
      },
      routes
    )
  )
}

test('the goods page, the order page and 我的 offer WeChat chat and a call to the shop', async () => {
  backend()
  const goods = await openPage('subpackages/goods/detail/index', { goodsId: '7' })
  await waitFor(() => all(goods, '.goods-detail__contact >>> .service-contact__call').length, { message: 'the shop phone' })
  const chat = all(goods, '.goods-detail__contact >>> .service-contact__chat')[0]
  const attrs = Object.fromEntries(chat.dom.__wxElement._vt.attrs.map((attr) => [attr.name, attr.value]))
  expect(attrs.openType).toBe('contact') // WeChat's own customer-service chat
  expect(attrs.sessionFrom).toBe('goods-7')
  await tap(goods, '.goods-detail__contact >>> .service-contact__call')
  expect(wx.calls.phoneCalls).toEqual(['400-000-0000'])

  const order = await openPage('subpackages/order/detail/index', { orderId: '5' })
  await waitFor(() => all(order, '.order-detail__contact >>> .service-contact__call').length, { message: 'the order page contact' })
  const me = await openPage('pages/me/index')
  await waitFor(() => all(me, '.me__contact >>> .service-contact__call').length, { message: 'the contact on 我的' })
  expect(text(me, '.me__contact >>> .service-contact__call')).toBe('拨打 400-000-0000')
})

test('adding to the cart puts the unit count on the tab and on the goods page cart icon', async () => {
  backend({ 'POST /cart/items': fixtures.cart([fixtures.cartLine({ quantity: 2 }), fixtures.cartLine({ id: 99, quantity: 1 })]) })
  const goods = await openPage('subpackages/goods/detail/index', { goodsId: '7' })
  expect(all(goods, '.goods-detail__cart-badge')).toHaveLength(0)
  await tap(goods, '.goods-detail__add-cart')
  await tap(goods, '.goods-detail__picker >>> .sku-picker__confirm')
  await waitFor(() => all(goods, '.goods-detail__cart-badge').length, { message: 'the cart icon badge' })
  expect(text(goods, '.goods-detail__cart-badge')).toBe('3')
  expect(wx.calls.tabBarBadges).toEqual([{ index: badge.CART_TAB, text: '3' }])
  expect(badge.CART_TAB).toBe(2)
})

test('an emptied cart takes the badge away; past 99 it says 99+', () => {
  badge.fromCart(fixtures.cart([]))
  expect(wx.calls.tabBarBadges).toEqual([{ index: 2, text: '' }])
  expect(badge.badgeText(120)).toBe('99+')
})

test('the cart says how much more ships free, and when it does', async () => {
  let cart = fixtures.cart([fixtures.cartLine({ quantity: 1 })]) // ¥39.90
  backend({ 'GET /cart': () => cart })
  const page = await openPage('pages/cart/index')
  await waitFor(() => all(page, '.cart__freight').length, { message: 'the freight hint' })
  expect(text(page, '.cart__freight')).toBe('满 ¥99.00 免运费，还差 ¥59.10')
  cart = fixtures.cart([fixtures.cartLine({ quantity: 3 })]) // ¥119.70
  await page.instance.refresh()
  await waitFor(() => text(page, '.cart__freight').startsWith('已满'), { message: 'free freight' })
  expect(text(page, '.cart__freight')).toBe('已满 ¥99.00，免运费')
})
