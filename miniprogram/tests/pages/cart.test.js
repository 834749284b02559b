const { openPage, text, texts, tap, all, waitFor } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')

function cartBackend(initial) {
  const state = { cart: initial, patches: [] }
  wx.setBackend({
    'POST /auth/wx-login': { token: 't', expires_at: '2099-01-01T00:00:00Z', user: { id: 1, nickname: '', avatar_url: '' } },
    'GET /cart': () => state.cart,
    'POST /cart/select': (req) => {
      state.cart = fixtures.cart(state.cart.items.map((item) => Object.assign({}, item, { selected: req.data.selected })))
      return state.cart
    },
    'DELETE /cart/items/11': () => {
      state.cart = fixtures.cart(state.cart.items.filter((item) => item.id !== 11))
      return state.cart
    },
  })
  const patch = (req) => {
    const id = Number(req.path.split('/').pop())
    state.patches.push([id, req.data])
    const items = state.cart.items.map((item) => (item.id === id ? fixtures.cartLine(Object.assign({}, item, req.data)) : item))
    state.cart = fixtures.cart(items)
    return state.cart
  }
  wx.state.backend = ((inner) => (req) => (req.method === 'PATCH' ? { statusCode: 200, data: patch(req) } : inner(req)))(wx.state.backend)
  return state
}

test('lines, totals and stock warnings come from the server', async () => {
  cartBackend(
    fixtures.cart([
      fixtures.cartLine({ id: 11, title: '苹果', quantity: 2 }),
      fixtures.cartLine({ id: 12, title: '香蕉', stock: 1, quantity: 3, stock_short: true }),
      fixtures.cartLine({ id: 13, title: '下架商品', is_available: false, selected: false }),
    ])
  )
  const page = await openPage('pages/cart/index')
  expect(texts(page, '.cart-item__title')).toEqual(['苹果', '香蕉', '下架商品'])
  expect(texts(page, '.cart-item__warning')).toEqual(['库存仅剩1件', '已下架'])
  expect(page.querySelectorAll('.cart-item')[2].dom.className).toMatch(/cart-item--unavailable/)
  expect(text(page, '.cart__total-price')).toBe('¥199.50')
  expect(text(page, '.cart__checkout')).toBe('结算(5)')

  await tap(page, '.cart__checkout')
  expect(wx.calls.navigateTo).toEqual([])
  expect(wx.calls.toasts).toEqual(['部分选中商品库存不足或已下架，请调整后再结算'])
})

test('select, quantity, select all and delete go to the server and show its answer', async () => {
  const state = cartBackend(fixtures.cart([fixtures.cartLine({ id: 11, quantity: 1 }), fixtures.cartLine({ id: 12, quantity: 1 })]))
  const page = await openPage('pages/cart/index')
  expect(text(page, '.cart__checkout')).toBe('结算(2)')

  await tap(page, '.cart-item__check', 0)
  await waitFor(() => text(page, '.cart__checkout') === '结算(1)')
  expect(state.patches).toEqual([[11, { selected: false }]])

  await tap(page, '.cart-item__stepper >>> .quantity-stepper__plus', 1)
  await waitFor(() => text(page, '.cart__checkout') === '结算(2)')
  expect(state.patches[1]).toEqual([12, { quantity: 2 }])
  expect(text(page, '.cart__total-price')).toBe('¥79.80')

  await tap(page, '.cart__select-all')
  await waitFor(() => text(page, '.cart__checkout') === '结算(3)')

  await tap(page, '.cart-item__delete', 0)
  await waitFor(() => all(page, '.cart-item').length === 1)
  expect(wx.calls.modals[0].content).toContain('确定从购物车删除')

  await tap(page, '.cart__checkout')
  expect(wx.calls.navigateTo).toEqual(['/subpackages/order/checkout/index?fromCart=1'])
})

test('an unavailable line cannot be selected; cancelling the delete keeps the line', async () => {
  cartBackend(fixtures.cart([fixtures.cartLine({ id: 11, is_available: false, selected: false })]))
  wx.state.modalAnswer = () => false
  const page = await openPage('pages/cart/index')
  await tap(page, '.cart-item__check', 0)
  expect(wx.calls.toasts).toEqual(['该商品已下架，无法选择'])
  await tap(page, '.cart-item__delete', 0)
  expect(all(page, '.cart-item')).toHaveLength(1)
  expect(wx.calls.requests.filter((r) => r.method !== 'GET' && r.path !== '/auth/wx-login')).toEqual([])
})

test('an empty cart invites the shopper to go shopping', async () => {
  cartBackend(fixtures.cart([]))
  const page = await openPage('pages/cart/index')
  expect(text(page, '.cart__empty >>> .empty-state__text')).toBe('购物车还是空的')
  await tap(page, '.cart__empty >>> .empty-state__action')
  expect(wx.calls.switchTab).toEqual(['/pages/home/index'])
})

test('an answer that arrives after a newer one is ignored', async () => {
  let releaseSlow
  let calls = 0
  const slowCart = fixtures.cart([fixtures.cartLine({ id: 11, quantity: 1 })])
  const firstCart = fixtures.cart([fixtures.cartLine({ id: 11, quantity: 3 })])
  const freshCart = fixtures.cart([fixtures.cartLine({ id: 11, quantity: 4 })])
  wx.setBackend({
    'POST /auth/wx-login': { token: 't', expires_at: '2099-01-01T00:00:00Z', user: { id: 1, nickname: '', avatar_url: '' } },
    'GET /cart': () => {
      calls += 1
      return calls === 1 ? firstCart : new Promise((resolve) => (releaseSlow = () => resolve(slowCart)))
    },
    'PATCH /cart/items/11': freshCart,
  })
  const page = await openPage('pages/cart/index')
  const slowRefresh = page.instance.refresh()
  await waitFor(() => releaseSlow)
  await tap(page, '.cart-item__stepper >>> .quantity-stepper__plus')
  // The newer answer (the PATCH's) is on the page before the older one arrives.
  await waitFor(() => text(page, '.cart-item__stepper >>> .quantity-stepper__value') === '4')
  releaseSlow()
  await slowRefresh
  expect(text(page, '.cart-item__stepper >>> .quantity-stepper__value')).toBe('4')
})
