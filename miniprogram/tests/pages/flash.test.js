const { openPage, text, texts, tap, all, waitFor } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')
const present = require('../../src/subpackages/flash/index/present')

const LOGIN = { token: 't', expires_at: '2099-01-01T00:00:00Z', user: { id: 1, nickname: '', avatar_url: '' } }
const PAGE = 'subpackages/flash/index/index'

function item(overrides = {}) {
  return Object.assign(
    {
      id: 11,
      sku_id: 3,
      goods: { id: 7, title: '1 元草莓', cover_url: 'https://example.test/c.webp' },
      flash_price_fen: 100,
      price_fen: 2990,
      stock_left: 3,
      sold: 7,
      per_user_limit: 1,
    },
    overrides
  )
}

function listing(serverTime) {
  return {
    server_time: serverTime,
    sessions: [
      { id: 1, title: '午间秒杀', starts_at: '2024-05-01T04:00:00Z', ends_at: '2024-05-01T05:00:00Z', status: 'running', items: [item()] },
      {
        id: 2,
        title: '晚场',
        starts_at: '2024-05-01T12:00:00Z',
        ends_at: '2024-05-01T13:00:00Z',
        status: 'upcoming',
        items: [item({ id: 12, stock_left: 5, sold: 0 })],
      },
    ],
  }
}

function backend(extra = {}) {
  wx.setBackend(
    Object.assign(
      {
        'POST /auth/wx-login': LOGIN,
        'GET /flash-sales': listing('2024-05-01T04:30:00Z'),
        'GET /me/addresses': [fixtures.address({ id: 4, is_default: true })],
      },
      extra
    )
  )
}

afterEach(() => jest.useRealTimers())

test('the countdown runs on the server clock, not the phone clock', async () => {
  // the phone is 2 hours fast; the server says 04:30, the session ends at 05:00
  jest.useFakeTimers({ now: Date.parse('2024-05-01T06:30:00Z'), doNotFake: ['setTimeout', 'nextTick', 'setImmediate'] })
  backend()
  const page = await openPage('subpackages/flash/index/index')
  expect(texts(page, '.flash__tab')).toEqual(['正在疯抢', '即将开始'])
  expect(text(page, '.flash__countdown')).toBe('距结束 00:30:00')
  jest.advanceTimersByTime(2000)
  expect(text(page, '.flash__countdown')).toBe('距结束 00:29:58')
  expect(text(page, '.flash__price')).toBe('¥1.00')
  expect(text(page, '.flash__market')).toBe('¥29.90')
  expect(text(page, '.flash__left')).toBe('仅剩 3 件')
  expect(page.querySelector('.flash__progress-bar').dom.getAttribute('style')).toContain('70%')
  await tap(page, '.flash__tab', 1)
  expect(text(page, '.flash__countdown')).toBe('距开始 07:29:58')
  expect(text(page, '.flash__grab')).toBe('提醒我')
  page.instance.onUnload()
})

test('提醒我 asks for the flash_starting template, reports the grant and asks for the reminder', async () => {
  require('../../src/services/wechat').resetForTests()
  const reported = []
  const reminders = []
  backend({
    'GET /me/subscriptions': { grants: {}, templates: { flash_starting: 'TPL_FLASH', shipped: 'TPL_SHIP' } },
    'POST /me/subscriptions': (req) => {
      reported.push(req.data)
      return { grants: { TPL_FLASH: 1 }, templates: {} }
    },
    'GET /flash-sales/reminders': { item_ids: [] },
    'POST /flash-sales/items/12/reminder': (req) => {
      reminders.push(req.path)
      return { item_id: 12, session_id: 2, starts_at: '2024-05-01T12:00:00Z' }
    },
  })
  const asked = []
  wx.requestSubscribeMessage = (opts) => {
    asked.push(opts.tmplIds)
    setTimeout(() => opts.success({ errMsg: 'requestSubscribeMessage:ok', TPL_FLASH: 'accept' }), 0)
  }
  const page = await openPage(PAGE, { tab: 'upcoming' })
  await tap(page, '.flash__tab', 1)
  await tap(page, '.flash__remind')
  await waitFor(() => text(page, '.flash__remind') === '已设提醒')
  expect(asked).toEqual([['TPL_FLASH']])
  expect(reported).toEqual([{ TPL_FLASH: 'accept' }])
  expect(reminders).toHaveLength(1)
  expect(wx.calls.toasts).toEqual(['开始前会提醒您'])
  page.instance.onUnload()
})

test('an item already reminded shows 已设提醒; a session that just started is reloaded', async () => {
  require('../../src/services/wechat').resetForTests()
  backend({
    'GET /me/subscriptions': { grants: {}, templates: {} },
    'GET /flash-sales/reminders': { item_ids: [12] },
  })
  const page = await openPage(PAGE)
  await tap(page, '.flash__tab', 1)
  await waitFor(() => text(page, '.flash__remind') === '已设提醒')
  page.instance.onUnload()

  let listings = 0
  backend({
    'GET /flash-sales': () => {
      listings += 1
      return listing('2024-05-01T04:30:00Z')
    },
    'GET /me/subscriptions': { grants: {}, templates: {} },
    'GET /flash-sales/reminders': { item_ids: [] },
    'POST /flash-sales/items/12/reminder': [409, { error: 'flash_already_started', message: '秒杀已开始，无需提醒，快去抢购吧' }],
  })
  wx.calls.toasts.length = 0
  const again = await openPage(PAGE)
  await tap(again, '.flash__tab', 1)
  await tap(again, '.flash__remind')
  await waitFor(() => wx.calls.toasts.length === 1 && listings === 2)
  expect(wx.calls.toasts).toEqual(['秒杀已开始，无需提醒，快去抢购吧'])
  again.instance.onUnload()
})

test('立即抢购 orders with the default address and pays at once', async () => {
  let ordered = null
  backend({
    'POST /flash-sales/items/11/orders': (request) => {
      ordered = request.data
      return [201, fixtures.order({ id: 90, kind: 'flash', total_fen: 100 })]
    },
    'POST /orders/90/pay': { timeStamp: '1', nonceStr: 'n', package: 'prepay_id=p', signType: 'RSA', paySign: 's' },
  })
  const page = await openPage(PAGE)
  await tap(page, '.flash__grab')
  await waitFor(() => wx.calls.navigateTo.length === 1)
  expect(ordered).toEqual({ quantity: 1, address_id: 4 })
  expect(wx.calls.payments).toHaveLength(1)
  expect(wx.calls.navigateTo).toEqual(['/subpackages/order/pay-result/index?orderId=90'])
  page.instance.onUnload()
})

test('after a flash payment the shipping templates are asked for, as after any payment', async () => {
  require('../../src/services/wechat').resetForTests()
  const asked = []
  backend({
    'POST /flash-sales/items/11/orders': [201, fixtures.order({ id: 91, kind: 'flash', total_fen: 100 })],
    'POST /orders/91/pay': { timeStamp: '1', nonceStr: 'n', package: 'prepay_id=p', signType: 'RSA', paySign: 's' },
    'GET /me/subscriptions': { grants: {}, templates: { shipped: 'TPL_SHIP', delivered: 'TPL_DONE', group_filled: 'TPL_GROUP' } },
    'POST /me/subscriptions': { grants: { TPL_SHIP: 1 }, templates: {} },
  })
  wx.requestSubscribeMessage = (opts) => {
    asked.push(opts.tmplIds)
    setTimeout(() => opts.success({ errMsg: 'requestSubscribeMessage:ok', TPL_SHIP: 'accept' }), 0)
  }
  const page = await openPage(PAGE)
  await tap(page, '.flash__grab')
  await waitFor(() => asked.length === 1)
  expect(asked).toEqual([['TPL_SHIP', 'TPL_DONE']])
  page.instance.onUnload()
})

test('sold out, over the limit and not started are said plainly', async () => {
  for (const [code, message] of [
    ['flash_sold_out', '已抢光'],
    ['flash_limit_reached', '已达限购'],
    ['flash_not_started', '活动未开始'],
  ]) {
    wx.calls.toasts.length = 0
    backend({ 'POST /flash-sales/items/11/orders': [409, { error: code, message: 'x' }] })
    const page = await openPage(PAGE)
    await tap(page, '.flash__grab')
    await waitFor(() => wx.calls.toasts.length > 0)
    expect(wx.calls.toasts).toEqual([message])
    page.instance.onUnload()
  }
})

test('a sold-out item shows 已抢光 and no buy button', async () => {
  backend({ 'GET /flash-sales': { server_time: '2024-05-01T04:30:00Z', sessions: [listing('x').sessions[0]] } })
  wx.state.backend = ((inner) => async (request) =>
    request.path === '/flash-sales'
      ? { statusCode: 200, data: { server_time: '2024-05-01T04:30:00Z', sessions: [Object.assign({}, listing('x').sessions[0], { items: [item({ stock_left: 0, sold: 10 })] })] } }
      : inner(request))(wx.state.backend)
  jest.useFakeTimers({ now: Date.parse('2024-05-01T04:30:00Z'), doNotFake: ['setTimeout', 'nextTick', 'setImmediate'] })
  const page = await openPage(PAGE)
  expect(text(page, '.flash__left')).toBe('已抢光')
  expect(all(page, '.flash__grab--off')).toHaveLength(1)
  page.instance.onUnload()
})

test('present: countdown and statuses from the server clock', () => {
  expect(present.countdown(Date.parse('2024-05-01T05:00:00Z'), Date.parse('2024-05-01T03:58:59Z'))).toBe('01:01:01')
  expect(present.countdown(0, 10)).toBe('00:00:00')
  expect(present.countdown(90000 * 1000, 0)).toBe('1天 01:00:00')
  expect(present.clockOffset('2024-05-01T04:30:00Z', Date.parse('2024-05-01T06:30:00Z'))).toBe(-2 * 3600 * 1000)
  const session = { starts_at: '2024-05-01T04:00:00Z', ends_at: '2024-05-01T05:00:00Z' }
  expect(present.statusAt(session, Date.parse('2024-05-01T03:59:59Z'))).toBe('upcoming')
  expect(present.statusAt(session, Date.parse('2024-05-01T04:00:00Z'))).toBe('running')
  expect(present.statusAt(session, Date.parse('2024-05-01T05:00:00Z'))).toBe('ended')
})
