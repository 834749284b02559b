const { openPage, text, texts, tap, waitFor } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')

const LOGIN = { token: 't', expires_at: '2099-01-01T00:00:00Z', user: { id: 1, nickname: '', avatar_url: '' } }

function quote(overrides = {}) {
  return Object.assign(
    {
      in_zone: true,
      distance_m: 1800,
      radius_m: 3000,
      fee_fen: 400,
      free_above_fen: 5000,
      slots: [
        { date: '2026-12-01', start: '09:00', end: '11:00', left: 0 },
        { date: '2026-12-01', start: '16:00', end: '18:00', left: 12 },
        { date: '2026-12-02', start: '09:00', end: '11:00', left: 30 },
      ],
      pickup: { available: true, address: '张杨路 1000 号', hours: '09:00-21:00' },
      express: { available: true, fee_fen: 1200 },
      located: true,
      message: '',
    },
    overrides
  )
}

function backend({ quoteBody = quote(), preview } = {}) {
  const seen = { previews: [], creates: [], quotes: [] }
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /delivery/quote': (req) => {
      seen.quotes.push(req.data)
      return quoteBody
    },
    'POST /orders/preview': (req) => {
      seen.previews.push(req.data)
      const method = req.data.delivery && req.data.delivery.method
      const freight = { delivery: 400, pickup: 0, express: 1200 }[method]
      return preview ? preview(req) : fixtures.preview({ freight_fen: freight === undefined ? 800 : freight })
    },
    'POST /orders': (req) => {
      seen.creates.push(req.data)
      return [409, { error: 'slot_full', message: '2026-12-01 16:00-18:00 已约满，请选择其他时段' }]
    },
  })
  return seen
}

test('checkout offers 配送 / 自提 / 快递, a slot with room, and prices the chosen method', async () => {
  const seen = backend()
  const page = await openPage('subpackages/order/checkout/index', { fromCart: '1' })
  await waitFor(() => seen.previews.some((body) => body.delivery))
  expect(seen.quotes).toEqual([{ address_id: 1 }])
  expect(texts(page, '.checkout__delivery >>> .delivery-picker__tab')).toEqual(['配送', '自提', '快递'])
  // the full 09:00 slot is not offered; the first with room is chosen
  expect(text(page, '.checkout__delivery >>> .delivery-picker__slot-value')).toBe('12-01 16:00-18:00（余 12） ›')
  expect(text(page, '.checkout__delivery >>> .delivery-picker__fee')).toBe('配送费 ¥4.00，满 ¥50.00 免配送费')
  expect(seen.previews[seen.previews.length - 1].delivery).toEqual({ method: 'delivery', slot_date: '2026-12-01', slot_start: '16:00' })
  await waitFor(() => text(page, '.checkout__freight') === '运费¥4.00')

  await tap(page, '.checkout__delivery >>> .delivery-picker__tab--pickup')
  await waitFor(() => seen.previews[seen.previews.length - 1].delivery.method === 'pickup')
  expect(text(page, '.checkout__delivery >>> .delivery-picker__fee')).toBe('自提点：张杨路 1000 号（09:00-21:00）')
  await waitFor(() => text(page, '.checkout__freight') === '运费免运费')

  await tap(page, '.checkout__delivery >>> .delivery-picker__tab--express')
  await waitFor(() => text(page, '.checkout__freight') === '运费¥12.00')
})

test('out of the zone only pickup and express are offered, with the distance named', async () => {
  const seen = backend({
    quoteBody: quote({ in_zone: false, distance_m: 3400, fee_fen: 0, slots: [], message: '配送范围 3 公里，您的地址约 3.4 公里' }),
  })
  const page = await openPage('subpackages/order/checkout/index', { fromCart: '1' })
  await waitFor(() => seen.previews.some((body) => body.delivery))
  expect(texts(page, '.checkout__delivery >>> .delivery-picker__tab')).toEqual(['自提', '快递'])
  expect(text(page, '.checkout__delivery >>> .delivery-picker__zone')).toBe('配送范围 3 公里，您的地址约 3.4 公里')
  expect(seen.previews[seen.previews.length - 1].delivery).toEqual({ method: 'pickup' })
})

test('submitting sends the delivery choice; a full slot is explained and the quote refreshed', async () => {
  const seen = backend()
  const page = await openPage('subpackages/order/checkout/index', { fromCart: '1' })
  await waitFor(() => seen.previews.some((body) => body.delivery))
  const before = seen.previews.length
  await tap(page, '.checkout__submit')
  await waitFor(() => seen.previews.length > before && seen.quotes.length === 2)
  expect(seen.creates[0].delivery).toEqual({ method: 'delivery', slot_date: '2026-12-01', slot_start: '16:00' })
  expect(wx.calls.toasts).toEqual(['该配送时段已约满，请选择其他时段'])
})

test('order detail shows the slot, 配送中 with the stop number, then 已送达', async () => {
  const order = fixtures.order({ id: 41, status: 'delivering' })
  let delivery = { order_id: 41, method: 'delivery', slot_date: '2026-12-01', slot_start: '09:00', slot_end: '11:00', distance_m: 1800, stop_seq: 3, eta: null, outcome: null, fail_reason: null }
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /orders/41': () => order,
    'GET /delivery/orders/41': () => delivery,
  })
  const page = await openPage('subpackages/order/detail/index', { orderId: '41' })
  await waitFor(() => text(page, '.order-detail__delivery-stage'))
  expect(texts(page, '.order-detail__delivery-line')).toEqual(['送达时段 12-01 09:00-11:00'])
  expect(text(page, '.order-detail__delivery-stage')).toBe('配送中 · 您是第 3 站')

  delivery = Object.assign({}, delivery, { outcome: 'delivered' })
  order.status = 'completed'
  await page.instance.load()
  await waitFor(() => text(page, '.order-detail__delivery-stage') === '已送达')
})

test('an order without community delivery shows no delivery panel', async () => {
  wx.setBackend({ 'POST /auth/wx-login': LOGIN, 'GET /orders/42': fixtures.order({ id: 42, status: 'paid' }) })
  const page = await openPage('subpackages/order/detail/index', { orderId: '42' })
  await waitFor(() => text(page, '.order-detail__status-text'))
  expect(page.querySelector('.order-detail__delivery')).toBeFalsy()
})

test('a pickup order shows the pickup point and its code once paid, then 已自提', async () => {
  const order = fixtures.order({ id: 43, status: 'paid' })
  let delivery = { order_id: 43, method: 'pickup', slot_date: null, slot_start: null, slot_end: null, distance_m: null, stop_seq: null, eta: null, outcome: null, fail_reason: null, pickup_code: '12345678', pickup_address: '张杨路 1000 号门店', pickup_hours: '09:00-21:00' }
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /orders/43': () => order,
    'GET /delivery/orders/43': () => delivery,
  })
  const page = await openPage('subpackages/order/detail/index', { orderId: '43' })
  await waitFor(() => text(page, '.order-detail__pickup-code'))
  expect(texts(page, '.order-detail__delivery-line')).toEqual(['到店自提', '自提点：张杨路 1000 号门店（09:00-21:00）'])
  expect(text(page, '.order-detail__pickup-code')).toBe('1234 5678')

  delivery = Object.assign({}, delivery, { outcome: 'picked_up' })
  order.status = 'completed'
  await page.instance.load()
  await waitFor(() => text(page, '.order-detail__delivery-stage') === '已自提')
  expect(page.querySelector('.order-detail__pickup')).toBeFalsy()
})

test('an unpaid pickup order shows the pickup point but no code', async () => {
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /orders/44': fixtures.order({ id: 44, status: 'pending_payment' }),
    'GET /delivery/orders/44': { order_id: 44, method: 'pickup', outcome: null, pickup_code: null, pickup_address: '门店', pickup_hours: '' },
  })
  const page = await openPage('subpackages/order/detail/index', { orderId: '44' })
  await waitFor(() => texts(page, '.order-detail__delivery-line').length === 2)
  expect(texts(page, '.order-detail__delivery-line')).toEqual(['到店自提', '自提点：门店'])
  expect(page.querySelector('.order-detail__pickup')).toBeFalsy()
})
