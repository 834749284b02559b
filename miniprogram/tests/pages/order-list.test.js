const { openPage, text, texts, tap, all, waitFor } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')

const LOGIN = { token: 't', expires_at: '2099-01-01T00:00:00Z', user: { id: 1, nickname: '', avatar_url: '' } }

function listBackend(orders) {
  const seen = []
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /orders': (req) => {
      seen.push(req.data.status || '')
      const items = orders.filter((o) => !req.data.status || o.status === req.data.status)
      return fixtures.page(items)
    },
    'POST /orders/1/cancel': fixtures.order({ id: 1, status: 'closed' }),
    'POST /orders/3/confirm': [409, { error: 'order_not_pending', message: 'order 3 is completed' }],
  })
  return seen
}

const ORDERS = [fixtures.order({ id: 1, status: 'pending_payment' }), fixtures.order({ id: 2, status: 'paid' }), fixtures.order({ id: 3, status: 'shipped' })]

test('opens on the tab from the query and switches tabs', async () => {
  const seen = listBackend(ORDERS)
  const page = await openPage('subpackages/order/list/index', { status: 'shipped' })
  expect(texts(page, '.order-list__tab')).toEqual(['全部', '待支付', '待发货', '待收货', '已完成', '售后'])
  expect(text(page, '.order-list__tab--active')).toBe('待收货')
  expect(all(page, '.order-list__card')).toHaveLength(1)
  await tap(page, '.order-list__tab', 0)
  await waitFor(() => all(page, '.order-list__card').length === 3)
  expect(seen).toEqual(['shipped', ''])
})

test('cancelling on the 待支付 tab removes the order from that tab', async () => {
  listBackend(ORDERS)
  const page = await openPage('subpackages/order/list/index', { status: 'pending_payment' })
  await tap(page, '.order-list__card >>> .order-card__action--cancel')
  await waitFor(() => all(page, '.order-list__card').length === 0)
  expect(wx.calls.modals[0].title).toBe('取消订单')
  expect(wx.calls.toasts).toEqual(['订单已取消'])
})

test('a refused action shows the error table message and reloads the list', async () => {
  const seen = listBackend(ORDERS)
  const page = await openPage('subpackages/order/list/index', { status: 'shipped' })
  await tap(page, '.order-list__card >>> .order-card__action--confirm')
  await waitFor(() => seen.length === 2)
  expect(wx.calls.toasts).toEqual(['订单状态已变化，请刷新'])
})

test('an empty tab says so', async () => {
  listBackend([])
  const page = await openPage('subpackages/order/list/index', { status: 'after_sale' })
  expect(text(page, '.order-list__empty >>> .empty-state__text')).toBe('暂无相关订单')
})
