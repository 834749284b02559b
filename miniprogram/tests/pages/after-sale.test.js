const { openPage, text, texts, tap, input, all, waitFor } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')

const LOGIN = { token: 't', expires_at: '2099-01-01T00:00:00Z', user: { id: 1, nickname: '', avatar_url: '' } }
const ADDRESS = '上海市浦东新区世纪大道 100 号 小店售后 13800000000'

function refund(overrides = {}) {
  return Object.assign(
    {
      id: 9,
      order_id: 4,
      order_no: 'XD202405010001',
      status: 'requested',
      status_text: '待审核',
      kind: 'after_sale',
      amount_fen: 2000,
      reason: '尺码不合适',
      lines: [{ line_id: 41, title: '苹果', quantity: 2, amount_fen: 2000 }],
      restock: false,
      return_goods: true,
      photos: [],
      return_address: '',
      return_carrier: '',
      return_tracking_no: '',
      return_due_at: null,
      return_shipped_at: null,
      received_at: null,
      reject_reason: '',
      failure_message: null,
      created_at: '2024-05-02T01:00:00Z',
      decided_at: null,
      refunded_at: null,
    },
    overrides
  )
}

afterEach(() => jest.useRealTimers())

test('refund: a shipped order offers 退货退款, sent with return_goods, and opens 售后进度', async () => {
  const bodies = []
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /orders/4': fixtures.order({ id: 4, status: 'shipped', lines: [fixtures.orderLine({ id: 41, title: '苹果', pay_fen: 3000, quantity: 3 })] }),
    'POST /orders/4/refund': (req) => {
      bodies.push(req.data)
      return fixtures.order({ id: 4, status: 'refund_requested' })
    },
  })
  const page = await openPage('subpackages/order/refund/index', { orderId: '4' })
  expect(texts(page, '.refund__kind')).toEqual(['仅退款', '退货退款'])
  await tap(page, '.refund__kind', 1)
  await tap(page, '.refund__reason', 2)
  await tap(page, '.refund__submit')
  await waitFor(() => wx.calls.redirectTo.length)
  expect(bodies).toEqual([{ reason: '商品与描述不符', return_goods: true }])
  expect(wx.calls.redirectTo).toEqual(['/subpackages/order/after-sale/index?orderId=4'])
})

test('refund: an unshipped order has no 退货退款 choice', async () => {
  wx.setBackend({ 'POST /auth/wx-login': LOGIN, 'GET /orders/4': fixtures.order({ id: 4, status: 'paid' }) })
  const page = await openPage('subpackages/order/refund/index', { orderId: '4' })
  expect(all(page, '.refund__kind')).toHaveLength(0)
})

/** Let the fake clock run until `promise` settles (the page's requests answer on timers). */
async function run(promise, ms = 200) {
  let done = false
  const result = promise.then((value) => {
    done = true
    return value
  })
  for (let waited = 0; !done && waited < ms; waited += 10) await jest.advanceTimersByTimeAsync(10)
  return result
}

/** Move the fake clock on by `ms`, in steps, so every request answered meanwhile lands. */
async function advance(ms) {
  for (let waited = 0; waited < ms; waited += 10) await jest.advanceTimersByTimeAsync(10)
}

test('after-sale: the shopper copies the return address, sends the tracking number, and the page updates itself until refunded', async () => {
  jest.useFakeTimers({ now: Date.parse('2024-05-03T01:00:00Z'), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] })
  let current = refund({ status: 'return_approved', status_text: '待买家退货', return_address: ADDRESS, return_due_at: '2024-05-09T01:00:00Z' })
  const shipments = []
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /orders/4/refunds': () => [refund({ id: 3, status: 'rejected', status_text: '已拒绝', return_goods: false }), current],
    'POST /refunds/9/return-shipment': (req) => {
      shipments.push(req.data)
      current = Object.assign({}, current, { status: 'returning', status_text: '待商家收货', return_carrier: req.data.carrier, return_tracking_no: req.data.tracking_no })
      return current
    },
  })
  const page = await run(openPage('subpackages/order/after-sale/index', { orderId: '4' }))
  await advance(100)
  expect(text(page, '.after-sale__status')).toBe('待买家退货')
  expect(text(page, '.after-sale__address-text')).toBe(ADDRESS)
  expect(text(page, '.after-sale__due')).toBe('请在 2024-05-09 09:00 前寄出，逾期申请将自动关闭')
  expect(all(page, '.after-sale__step--done')).toHaveLength(2)
  await run(tap(page, '.after-sale__copy'))
  expect(wx.calls.clipboard).toEqual([ADDRESS])

  await run(tap(page, '.after-sale__submit'))
  expect(wx.calls.toasts).toContain('请填写快递公司')
  await run(input(page, '.after-sale__carrier', '中通快递'))
  await run(input(page, '.after-sale__tracking', '运单 1'))
  await run(tap(page, '.after-sale__submit'))
  expect(wx.calls.toasts).toContain('请填写正确的运单号')
  expect(shipments).toEqual([])
  await run(input(page, '.after-sale__tracking', 'zt2000002'))
  await run(tap(page, '.after-sale__submit'))
  await advance(200)
  expect(shipments).toEqual([{ carrier: '中通快递', tracking_no: 'ZT2000002' }])
  expect(text(page, '.after-sale__status')).toBe('待商家收货')
  expect(all(page, '.after-sale__step--done')).toHaveLength(3)

  // The merchant receives the goods and the channel pays back: the open page follows by itself.
  current = Object.assign({}, current, { status: 'succeeded', status_text: '已退款', received_at: '2024-05-04T01:00:00Z' })
  await advance(5200)
  expect(text(page, '.after-sale__status')).toBe('已退款')
  expect(text(page, '.after-sale__tip')).toBe('退款已原路退回，请注意查收')
  expect(all(page, '.after-sale__ship')).toHaveLength(0)
  // Settled: no more asking.
  const settled = wx.calls.requests.length
  await advance(20000)
  expect(wx.calls.requests.length).toBe(settled)
  page.instance.onUnload()
})

test('order detail links to 售后进度 while a refund is open', async () => {
  wx.setBackend({ 'POST /auth/wx-login': LOGIN, 'GET /orders/4': fixtures.order({ id: 4, status: 'refund_requested' }) })
  const page = await openPage('subpackages/order/detail/index', { orderId: '4' })
  await tap(page, '.order-detail__after-sale')
  expect(wx.calls.navigateTo.pop()).toBe('/subpackages/order/after-sale/index?orderId=4')
  page.instance.onUnload()
})
