const { openPage, text, texts, tap, all, waitFor } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')

const LOGIN = { token: 't', expires_at: '2099-01-01T00:00:00Z', user: { id: 1, nickname: '', avatar_url: '' } }

function detailBackend(order, extra = {}) {
  wx.setBackend(Object.assign({ 'POST /auth/wx-login': LOGIN, [`GET /orders/${order.id}`]: order }, extra))
}

afterEach(() => jest.useRealTimers())

test('a pending order shows a countdown and lets the shopper pay or cancel', async () => {
  jest.useFakeTimers({ now: Date.parse('2024-05-01T04:20:00Z'), doNotFake: ['setTimeout', 'nextTick', 'setImmediate'] })
  detailBackend(fixtures.order({ id: 5, expires_at: '2024-05-01T04:35:00Z' }))
  const page = await openPage('subpackages/order/detail/index', { orderId: '5' })
  expect(text(page, '.order-detail__status-text')).toBe('待支付')
  expect(text(page, '.order-detail__countdown')).toBe('剩余支付时间 15:00，超时自动关闭')
  jest.advanceTimersByTime(61000)
  expect(text(page, '.order-detail__countdown')).toBe('剩余支付时间 13:59，超时自动关闭')
  expect(texts(page, '.order-detail__action')).toEqual(['取消订单', '继续支付'])
  expect(text(page, '.order-detail__total')).toBe('需付款¥47.90') // not paid yet: not 实付款
  page.instance.onUnload()
})

test('a shipped order shows progress, logistics, timeline and the confirm button', async () => {
  const order = fixtures.order({
    id: 6,
    status: 'shipped',
    paid_at: '2024-05-01T04:06:00Z',
    shipped_at: '2024-05-02T01:00:00Z',
    carrier: '顺丰速运',
    tracking_no: 'SF1234567890',
    timeline: [
      { status: 'pending_payment', status_text: '待支付', note: '', created_at: '2024-05-01T04:05:00Z' },
      { status: 'paid', status_text: '待发货', note: '', created_at: '2024-05-01T04:06:00Z' },
      { status: 'shipped', status_text: '待收货', note: '顺丰速运 SF1234567890', created_at: '2024-05-02T01:00:00Z' },
    ],
  })
  detailBackend(order, { 'POST /orders/6/confirm': fixtures.order({ id: 6, status: 'completed', completed_at: '2024-05-03T01:00:00Z' }) })
  const page = await openPage('subpackages/order/detail/index', { orderId: '6' })
  expect(all(page, '.order-detail__step--done')).toHaveLength(3)
  expect(text(page, '.order-detail__tracking')).toBe('SF1234567890 复制')
  expect(texts(page, '.order-detail__event-title')).toEqual(['待收货', '待发货', '待支付'])
  expect(text(page, '.order-detail__event-time')).toBe('2024-05-02 09:00')
  expect(texts(page, '.order-detail__action')).toEqual(['申请退款', '确认收货'])

  await tap(page, '.order-detail__confirm')
  await waitFor(() => text(page, '.order-detail__status-text') === '已完成')
  expect(wx.calls.toasts).toEqual(['已确认收货'])
  expect(texts(page, '.order-detail__action')).toEqual(['申请退款', '评价'])
  await tap(page, '.order-detail__review')
  await tap(page, '.order-detail__refund')
  expect(wx.calls.navigateTo).toEqual(['/subpackages/order/review/index?orderId=6', '/subpackages/order/refund/index?orderId=6'])
})

test('after paying, the page waits until the server has the payment', async () => {
  let reads = 0
  detailBackend(fixtures.order({ id: 7 }), {
    'GET /orders/7': () => {
      reads += 1
      return reads < 3 ? fixtures.order({ id: 7 }) : fixtures.order({ id: 7, status: 'paid', paid_at: '2024-05-01T04:06:00Z' })
    },
  })
  const page = await openPage('subpackages/order/detail/index', { orderId: '7', paid: '1' })
  expect(text(page, '.order-detail__status-text')).toBe('待发货')
  expect(reads).toBe(3)
})

test('when the payment notice is late, the shopper is told it is being confirmed', async () => {
  jest.useFakeTimers()
  detailBackend(fixtures.order({ id: 10 }))
  const opening = openPage('subpackages/order/detail/index', { orderId: '10', paid: '1' })
  await jest.advanceTimersByTimeAsync(10000)
  const page = await opening
  expect(text(page, '.order-detail__status-text')).toBe('待支付')
  expect(wx.calls.toasts).toEqual(['支付结果确认中，请稍后下拉刷新'])
  expect(wx.calls.requests.filter((r) => r.path === '/orders/10')).toHaveLength(20)
  page.instance.onUnload()
})

test('paying again after a failure keeps the order payable', async () => {
  detailBackend(fixtures.order({ id: 8 }), {
    'POST /orders/8/pay': { timeStamp: '1', nonceStr: 'n', package: 'prepay_id=p8', signType: 'RSA', paySign: 's' },
  })
  wx.state.requestPayment = () => Promise.reject({ errMsg: 'requestPayment:fail' })
  const page = await openPage('subpackages/order/detail/index', { orderId: '8' })
  await tap(page, '.order-detail__pay')
  await waitFor(() => wx.calls.modals.length)
  expect(wx.calls.modals[0].title).toBe('支付未完成')
  expect(texts(page, '.order-detail__action')).toEqual(['取消订单', '继续支付'])
  page.instance.onUnload()
})

test('a closed order tells why and offers no actions', async () => {
  detailBackend(fixtures.order({ id: 9, status: 'closed', close_reason: '超时未支付', closed_at: '2024-05-01T04:35:00Z' }))
  const page = await openPage('subpackages/order/detail/index', { orderId: '9' })
  expect(text(page, '.order-detail__tip')).toBe('订单已关闭：超时未支付')
  expect(all(page, '.order-detail__action')).toHaveLength(0)
  expect(texts(page, '.order-detail__info-row .row__label')).toContain('关闭时间')
})
