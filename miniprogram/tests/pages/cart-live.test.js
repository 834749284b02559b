// The cart flags lines that went short while it is open (utils/live.js, a fake socket).
const { openPage, texts, waitFor } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')

test('a line whose stock drops below its quantity is flagged at once; off_shelf too', async () => {
  const cart = fixtures.cart([
    fixtures.cartLine({ id: 11, sku_id: 71, goods_id: 7, quantity: 3, stock: 5 }),
    fixtures.cartLine({ id: 12, sku_id: 81, goods_id: 8, title: '香蕉', quantity: 1, stock: 9 }),
  ])
  wx.setBackend({
    'POST /auth/wx-login': { token: 't', expires_at: '2099-01-01T00:00:00Z', user: { id: 1, nickname: '', avatar_url: '' } },
    'GET /cart': cart,
  })
  const page = await openPage('pages/cart/index')
  const socket = await waitFor(() => wx.calls.sockets[0], { message: 'the live socket' })
  socket.serverOpen()
  expect(socket.sent).toEqual([{ op: 'subscribe', goods_ids: [7, 8] }])
  socket.serverSend({ type: 'snapshot', goods_id: 7, seq: 2, on_sale: true, skus: [{ sku_id: 71, stock: 5, price_fen: 3990, on_sale: true }] })
  socket.serverSend({ type: 'snapshot', goods_id: 8, seq: 0, on_sale: true, skus: [{ sku_id: 81, stock: 9, price_fen: 500, on_sale: true }] })
  expect(texts(page, '.cart-item__warning')).toEqual([])
  socket.serverSend({ type: 'stock', goods_id: 7, sku_id: 71, stock: 2, stock_hint: '仅剩 2 件', seq: 3 })
  await waitFor(() => texts(page, '.cart-item__warning').length === 1, { message: 'a short line' })
  expect(texts(page, '.cart-item__warning')).toEqual(['库存仅剩2件'])
  socket.serverSend({ type: 'off_shelf', goods_id: 8, seq: 1 })
  await waitFor(() => texts(page, '.cart-item__warning').length === 2, { message: 'an off-shelf line' })
  expect(texts(page, '.cart-item__warning')).toEqual(['库存仅剩2件', '已下架'])
  page.instance.onHide()
  expect(socket.closed).toBe(true)
})
