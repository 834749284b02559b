// Live stock on the goods detail page through utils/live.js, against a fake socket.
const { openPage, text, all, tap, waitFor } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')

function backend() {
  const calls = { details: 0 }
  wx.setBackend({
    'POST /auth/wx-login': { token: 't', expires_at: '2099-01-01T00:00:00Z', user: { id: 1, nickname: '', avatar_url: '' } },
    'GET /goods/7': () => {
      calls.details += 1
      return fixtures.goodsDetail()
    },
  })
  return calls
}

function snapshot(seq, stocks) {
  return {
    type: 'snapshot',
    goods_id: 7,
    seq,
    on_sale: true,
    skus: Object.entries(stocks).map(([id, stock]) => ({ sku_id: Number(id), stock, price_fen: 3990, on_sale: stock > 0 })),
  }
}

async function openLive() {
  const calls = backend()
  const page = await openPage('subpackages/goods/detail/index', { goodsId: '7' })
  const socket = await waitFor(() => wx.calls.sockets[0], { message: 'the live socket' })
  expect(socket.url).toBe('ws://127.0.0.1:8000/api/v1/ws')
  socket.serverOpen()
  expect(socket.sent).toEqual([{ op: 'subscribe', goods_ids: [7] }])
  return { page, socket, calls }
}

test('a SKU that sells out while the page is open greys out at once, then the whole item', async () => {
  const { page, socket } = await openLive()
  socket.serverSend(snapshot(4, { 71: 5, 72: 0, 73: 3, 74: 0 }))
  expect(text(page, '.goods-detail__stock')).toBe('仅剩8箱，欲购从速')
  socket.serverSend({ type: 'stock', goods_id: 7, sku_id: 73, stock: 0, stock_hint: '已售罄', seq: 5 })
  await waitFor(() => text(page, '.goods-detail__stock') === '仅剩5箱，欲购从速', { message: 'the new hint' })
  // In the picker the sold-out SKU can no longer be chosen.
  await tap(page, '.goods-detail__add-cart')
  await tap(page, '.goods-detail__picker >>> .sku-picker__value', 1) // 10斤装: nothing left
  await tap(page, '.goods-detail__picker >>> .sku-picker__confirm')
  expect(wx.calls.navigateTo).toEqual([])
  socket.serverSend({ type: 'stock', goods_id: 7, sku_id: 71, stock: 0, stock_hint: '已售罄', seq: 6 })
  await waitFor(() => text(page, '.goods-detail__stock') === '已售罄', { message: 'sold out' })
  expect(all(page, '.goods-detail__remind')).toHaveLength(1) // 到货提醒 instead of buying
  // Stale or repeated frames change nothing.
  socket.serverSend({ type: 'stock', goods_id: 7, sku_id: 71, stock: 9, stock_hint: '仅剩 9 件', seq: 6 })
  expect(text(page, '.goods-detail__stock')).toBe('已售罄')
})

test('off_shelf shows the goods as taken down; a gap in seq asks for a fresh snapshot', async () => {
  const { page, socket } = await openLive()
  socket.serverSend(snapshot(1, { 71: 5, 72: 0, 73: 3, 74: 0 }))
  socket.serverSend({ type: 'stock', goods_id: 7, sku_id: 71, stock: 2, stock_hint: '仅剩 2 件', seq: 4 })
  await waitFor(() => socket.sent.length === 2, { message: 'a resubscribe' })
  expect(socket.sent[1]).toEqual({ op: 'subscribe', goods_ids: [7] })
  await waitFor(() => text(page, '.goods-detail__stock') === '仅剩5箱，欲购从速', { message: 'the value after the gap' })
  socket.serverSend({ type: 'off_shelf', goods_id: 7, seq: 5 })
  await waitFor(() => text(page, '.goods-detail__stock') === '商品已下架', { message: 'off the shelf' })
})

test('when the socket drops the page refreshes over REST and the socket comes back', async () => {
  const { socket, calls } = await openLive()
  socket.serverSend(snapshot(1, { 71: 5, 72: 0, 73: 3, 74: 0 }))
  expect(calls.details).toBe(1)
  socket.serverClose(1006)
  await waitFor(() => calls.details === 2, { message: 'a REST refresh' })
  const again = await waitFor(() => wx.calls.sockets[1], { message: 'a reconnect after the backoff' })
  again.serverOpen()
  expect(again.sent).toEqual([{ op: 'subscribe', goods_ids: [7] }])
})

test('leaving the page closes the socket', async () => {
  const { page, socket } = await openLive()
  page.instance.onUnload()
  expect(socket.closed).toBe(true)
  expect(socket.sent.map((m) => m.op)).toEqual(['subscribe', 'unsubscribe'])
})
