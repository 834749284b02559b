// 支付成功: where every successful wx.requestPayment lands. The page says so only once the shop
// has recorded the payment (polling the order with a deadline), never on WeChat's word alone.
const { mount, openPage, text, texts, tap, all, waitFor } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')

const LOGIN = { token: 't', expires_at: '2099-01-01T00:00:00Z', user: { id: 1, nickname: '', avatar_url: '' } }
const PAGE = 'subpackages/order/pay-result/index'
const PAID = { status: 'paid', paid_at: '2024-05-01T04:06:00Z', total_fen: 4790, order_no: '20240501120000000123' }

afterEach(() => jest.useRealTimers())

test('while the notice is on its way it says 支付确认中…, then 支付成功 with the amount paid and the order number', async () => {
  let reads = 0
  let paid = false
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /orders/7': () => {
      reads += 1
      return paid ? fixtures.order(Object.assign({ id: 7 }, PAID)) : fixtures.order({ id: 7 })
    },
  })
  const page = mount(PAGE, { orderId: '7' })
  const loading = page.instance.onLoad({ orderId: '7' })
  await waitFor(() => reads >= 2, { message: 'a second look at the order' })
  expect(text(page, '.pay-result__title')).toBe('支付确认中…')
  expect(all(page, '.pay-result__mark--confirming')).toHaveLength(1)
  paid = true
  await loading
  expect(text(page, '.pay-result__title')).toBe('支付成功')
  expect(all(page, '.pay-result__mark--paid')).toHaveLength(1)
  expect(texts(page, '.pay-result__summary .row__label')).toEqual(['实付金额', '订单编号'])
  expect(text(page, '.pay-result__amount')).toBe('¥47.90')
  expect(text(page, '.pay-result__order-no')).toBe('20240501120000000123')
  expect(all(page, '.pay-result__invite')).toHaveLength(0)

  await tap(page, '.pay-result__view-order')
  expect(wx.calls.redirectTo).toEqual(['/subpackages/order/detail/index?orderId=7'])
  await tap(page, '.pay-result__continue')
  expect(wx.calls.switchTab).toEqual(['/pages/home/index'])
})

test('past the deadline without the notice it never claims success and offers to look again', async () => {
  jest.useFakeTimers()
  let paid = false
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /orders/8': () => (paid ? fixtures.order(Object.assign({ id: 8 }, PAID)) : fixtures.order({ id: 8 })),
  })
  const opening = openPage(PAGE, { orderId: '8' })
  await jest.advanceTimersByTimeAsync(11000)
  const page = await opening
  jest.useRealTimers()
  expect(text(page, '.pay-result__title')).toBe('支付结果确认中')
  expect(texts(page, '.pay-result__summary .row__label')).toEqual(['订单金额', '订单编号'])
  // The order page keeps confirming rather than offering 去支付 again.
  await tap(page, '.pay-result__view-order')
  expect(wx.calls.redirectTo).toEqual(['/subpackages/order/detail/index?orderId=8&paid=1'])

  paid = true
  await tap(page, '.pay-result__retry')
  await waitFor(() => text(page, '.pay-result__title') === '支付成功')
})

test('a group order invites friends to the group: back to the group page it came from, or to it', async () => {
  wx.setBackend({ 'POST /auth/wx-login': LOGIN, 'GET /orders/9': fixtures.order(Object.assign({ id: 9, kind: 'group' }, PAID)) })
  const fromGoods = await openPage(PAGE, { orderId: '9', groupId: '12' })
  expect(text(fromGoods, '.pay-result__invite')).toBe('邀请好友拼团')
  await tap(fromGoods, '.pay-result__invite')
  expect(wx.calls.redirectTo).toEqual(['/subpackages/groupbuy/group/index?id=12'])

  const fromGroup = await openPage(PAGE, { orderId: '9', groupId: '12', back: '1' })
  await tap(fromGroup, '.pay-result__invite')
  expect(wx.calls.navigateBack).toBe(1)
})

test('an order closed before the payment arrived says so, not 支付成功', async () => {
  wx.setBackend({ 'POST /auth/wx-login': LOGIN, 'GET /orders/11': fixtures.order({ id: 11, status: 'closed', closed_at: '2024-05-01T04:35:00Z' }) })
  const page = await openPage('subpackages/order/pay-result/index', { orderId: '11' })
  expect(text(page, '.pay-result__title')).toBe('订单已关闭')
  expect(text(page, '.pay-result__tip')).toBe('订单已关闭，如已扣款将原路退回')
})

test('去支付 on an order that WeChat accepts opens the result page in its place', async () => {
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /orders/5': fixtures.order({ id: 5 }),
    'POST /orders/5/pay': { timeStamp: '1', nonceStr: 'n', package: 'prepay_id=p5', signType: 'RSA', paySign: 's' },
  })
  const detail = await openPage('subpackages/order/detail/index', { orderId: '5' })
  await tap(detail, '.order-detail__pay')
  await waitFor(() => wx.calls.redirectTo.length)
  expect(wx.calls.payments).toHaveLength(1)
  expect(wx.calls.redirectTo).toEqual(['/subpackages/order/pay-result/index?orderId=5'])
  detail.instance.onUnload()
})

test('去支付 in the order list opens the result page', async () => {
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /orders': fixtures.page([fixtures.order({ id: 6 })]),
    'POST /orders/6/pay': { timeStamp: '1', nonceStr: 'n', package: 'prepay_id=p6', signType: 'RSA', paySign: 's' },
  })
  const list = await openPage('subpackages/order/list/index', {})
  await tap(list, '.order-list__card >>> .order-card__action--pay')
  await waitFor(() => wx.calls.navigateTo.length)
  expect(wx.calls.navigateTo).toEqual(['/subpackages/order/pay-result/index?orderId=6'])
})
