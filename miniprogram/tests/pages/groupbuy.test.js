const { openPage, text, texts, tap, all, waitFor } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')

const LOGIN = { token: 't', expires_at: '2099-01-01T00:00:00Z', user: { id: 1, nickname: '', avatar_url: '' } }

function group(overrides = {}) {
  return Object.assign(
    {
      id: 9,
      status: 'forming',
      status_text: '拼团中',
      group_size: 3,
      seats_left: 1,
      members: [
        { nickname: '团长小王', avatar_url: '/media/a.webp', is_leader: true, paid: true },
        { nickname: '小李', avatar_url: '', is_leader: false, paid: false },
      ],
      expires_at: '2024-05-01T05:00:00Z',
      server_time: '2024-05-01T04:00:00Z',
      campaign: { id: 4, group_size: 3, group_price_fen: 800, price_fen: 1000, ends_at: '2024-05-09T00:00:00Z', running: true },
      goods: { id: 7, title: '拼团苹果', cover_url: '/media/apple.webp' },
      my_order_id: null,
    },
    overrides
  )
}

// Group 9 of campaign 4, forming; joining it places order `orderId` (seen by `onJoin`) and
// fills the group, and that order can be paid.
function joiningBackend(orderId, onJoin = () => {}) {
  let current = group()
  return {
    'POST /auth/wx-login': LOGIN,
    'GET /groups/9': () => current,
    'GET /group-buys/4': { id: 4, skus: [{ sku_id: 31, spec_text: '5斤', price_fen: 1000, group_price_fen: 800, stock: 9 }] },
    'GET /me/addresses': [fixtures.address({ id: 2, is_default: true })],
    'POST /groups/9/join': (req) => {
      onJoin(req)
      current = group({ seats_left: 0, my_order_id: orderId })
      return [201, { group: current, order: fixtures.order({ id: orderId }) }]
    },
    [`POST /orders/${orderId}/pay`]: { timeStamp: '1', nonceStr: 'n', package: 'prepay_id=p', signType: 'RSA', paySign: 's' },
  }
}

afterEach(() => jest.useRealTimers())

test('a forming group shows members, empty seats and a countdown on the server clock; a visitor joins and pays', async () => {
  jest.useFakeTimers({ now: Date.parse('2024-05-01T04:00:30Z'), doNotFake: ['setTimeout', 'nextTick', 'setImmediate'] })
  const joined = []
  wx.setBackend({
    ...joiningBackend(55, (req) => joined.push(req.data)),
  })
  const page = await openPage('subpackages/groupbuy/group/index', { id: '9' })
  expect(text(page, '.group__headline')).toBe('还差 1 人成团')
  // The phone's clock runs 30 s ahead of the server's: the countdown follows the server.
  expect(text(page, '.group__countdown')).toBe('剩余 1:00:00')
  expect(all(page, '.group__seat')).toHaveLength(3)
  expect(all(page, '.group__seat--empty')).toHaveLength(1)
  expect(texts(page, '.group__leader')).toEqual(['团长'])
  expect(texts(page, '.group__unpaid')).toEqual(['待支付'])
  expect(all(page, '.group__invite')).toHaveLength(0)
  await tap(page, '.group__join')
  await waitFor(() => wx.calls.payments.length === 1 && text(page, '.group__order'), { message: 'paid and reloaded' })
  expect(wx.calls.navigateTo).toEqual(['/subpackages/order/pay-result/index?orderId=55&groupId=9&back=1'])
  expect(joined).toEqual([{ sku_id: 31, quantity: 1, address_id: 2 }])
  expect(all(page, '.group__join')).toHaveLength(0)
  expect(text(page, '.group__invite')).toBe('邀请好友')
  const share = page.instance.onShareAppMessage()
  expect(share).toEqual({ title: '¥8.00 拼「拼团苹果」', path: '/subpackages/groupbuy/group/index?id=9', imageUrl: '/media/apple.webp' })
  await tap(page, '.group__order')
  expect(wx.calls.navigateTo.pop()).toBe('/subpackages/order/detail/index?orderId=55')
  page.instance.onUnload()
})

test('after paying for a seat the group templates are asked for: 拼团成功, 拼团失败, then 发货', async () => {
  require('../../src/services/wechat').resetForTests()
  const asked = []
  wx.setBackend({
    ...joiningBackend(57),
    'GET /me/subscriptions': {
      grants: {},
      templates: { group_filled: 'TPL_FILLED', group_failed: 'TPL_FAILED', shipped: 'TPL_SHIP', delivered: 'TPL_DONE' },
    },
    'POST /me/subscriptions': { grants: {}, templates: {} },
  })
  wx.requestSubscribeMessage = (opts) => {
    asked.push(opts.tmplIds)
    setTimeout(() => opts.success({ errMsg: 'requestSubscribeMessage:ok' }), 0)
  }
  const page = await openPage('subpackages/groupbuy/group/index', { id: '9' })
  await tap(page, '.group__join')
  await waitFor(() => asked.length === 1, { message: 'templates asked for' })
  expect(asked).toEqual([['TPL_FILLED', 'TPL_FAILED', 'TPL_SHIP']])
  page.instance.onUnload()
})

test('the results: filled, and failed with the refund said to its member', async () => {
  wx.setBackend({ 'POST /auth/wx-login': LOGIN, 'GET /groups/9': group({ status: 'filled', seats_left: 0, my_order_id: 3 }) })
  let page = await openPage('subpackages/groupbuy/group/index', { id: '9' })
  expect(text(page, '.group__headline')).toBe('拼团成功')
  expect(text(page, '.group__countdown')).toBe(null)
  expect(all(page, '.group__join')).toHaveLength(0)
  wx.setBackend({ 'POST /auth/wx-login': LOGIN, 'GET /groups/9': group({ status: 'failed', seats_left: 0, my_order_id: 3 }) })
  page = await openPage('subpackages/groupbuy/group/index', { id: '9' })
  expect(text(page, '.group__headline')).toBe('拼团失败，已退款')
  expect(text(page, '.group__result')).toBe('拼团失败')
})

test('a group that is gone says so', async () => {
  wx.setBackend({ 'POST /auth/wx-login': LOGIN, 'GET /groups/9': [404, { error: 'group_not_found', message: '拼团不存在' }] })
  const page = await openPage('subpackages/groupbuy/group/index', { id: '9' })
  expect(text(page, '.error-state__text')).toBe('拼团不存在或已结束')
})

test('the 拼团 list shows running campaigns and opens the goods', async () => {
  wx.setBackend({
    'GET /group-buys': [
      { id: 4, goods: { id: 7, title: '拼团苹果', cover_url: '' }, group_size: 3, group_price_fen: 800, price_fen: 1000, ends_at: '2099-01-01T00:00:00Z', groups_filled: 12 },
    ],
  })
  const page = await openPage('subpackages/groupbuy/list/index')
  expect(text(page, '.groupbuy-list__title')).toBe('拼团苹果')
  expect(text(page, '.groupbuy-list__size')).toBe('3人团 · 已成团12个')
  await tap(page, '.groupbuy-list__item')
  expect(wx.calls.navigateTo.pop()).toBe('/subpackages/goods/detail/index?goodsId=7')
})

test('goods detail shows the campaign: 单独购买 / 发起拼团 and the open groups with 去参团', async () => {
  jest.useFakeTimers({ now: Date.parse('2024-05-01T04:00:00Z'), doNotFake: ['setTimeout', 'nextTick', 'setImmediate'] })
  const opened = []
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /goods/7': fixtures.goodsDetail(),
    'GET /group-buys': (req) => (req.data.goods_id === '7' ? [{ id: 4, goods: { id: 7 }, group_size: 3, group_price_fen: 3190, price_fen: 3990 }] : []),
    'GET /group-buys/4': {
      id: 4,
      group_size: 3,
      group_price_fen: 3190,
      price_fen: 3990,
      groups_filled: 2,
      server_time: '2024-05-01T04:00:00Z',
      skus: [{ sku_id: 71, spec_text: '5斤', price_fen: 3990, group_price_fen: 3190, stock: 5 }],
      open_groups: [{ group_id: 9, leader: { nickname: '小王', avatar_url: '' }, seats_left: 1, expires_at: '2024-05-01T04:10:00Z' }],
    },
    'GET /me/addresses': [fixtures.address({ id: 2, is_default: true })],
    'POST /group-buys/4/groups': (req) => {
      opened.push(req.data)
      return [201, { group: group({ id: 12, status: 'pending' }), order: fixtures.order({ id: 56 }) }]
    },
    'POST /orders/56/pay': { timeStamp: '1', nonceStr: 'n', package: 'prepay_id=p', signType: 'RSA', paySign: 's' },
  })
  const page = await openPage('subpackages/goods/detail/index', { goodsId: '7' })
  await waitFor(() => text(page, '.goods-detail__groupbuy-price'), { message: 'the campaign' })
  expect(text(page, '.goods-detail__groupbuy-price')).toBe('拼团价 ¥31.90')
  expect(text(page, '.goods-detail__buy-alone')).toBe('¥39.90单独购买')
  expect(text(page, '.goods-detail__start-group')).toBe('¥31.90发起拼团')
  expect(text(page, '.goods-detail__open-group-left')).toBe('还差 1 人')
  expect(text(page, '.goods-detail__open-group-countdown')).toBe('剩余 10:00')
  jest.advanceTimersByTime(60000)
  expect(text(page, '.goods-detail__open-group-countdown')).toBe('剩余 09:00')
  await tap(page, '.goods-detail__open-group-join')
  expect(wx.calls.navigateTo.pop()).toBe('/subpackages/groupbuy/group/index?id=9')
  await tap(page, '.goods-detail__start-group')
  await waitFor(() => wx.calls.navigateTo.length === 1, { message: 'the new group opened' })
  expect(opened).toEqual([{ sku_id: 71, quantity: 1, address_id: 2 }])
  expect(wx.calls.payments).toHaveLength(1)
  expect(wx.calls.navigateTo.pop()).toBe('/subpackages/order/pay-result/index?orderId=56&groupId=12')
  page.instance.onUnload()
})

test('an order in 拼团中 shows the seats left and leads to its group', async () => {
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /orders/55': fixtures.order({ id: 55, kind: 'group', status: 'grouping', status_text: '拼团中', paid_at: '2024-05-01T04:06:00Z' }),
    'GET /orders/55/group': group({ my_order_id: 55 }),
  })
  const page = await openPage('subpackages/order/detail/index', { orderId: '55' })
  await waitFor(() => text(page, '.order-detail__group-text'), { message: 'the group panel' })
  expect(text(page, '.order-detail__status-text')).toBe('拼团中')
  expect(text(page, '.order-detail__tip')).toBe('拼团中，邀请好友参团，成团后商家发货；未成团将自动退款')
  expect(text(page, '.order-detail__group-text')).toBe('拼团中，还差 1 人')
  await tap(page, '.order-detail__group')
  expect(wx.calls.navigateTo.pop()).toBe('/subpackages/groupbuy/group/index?id=9')
})

test('home shows the 拼团 slot at the group price and 更多 opens the 拼团 list', async () => {
  const entry = { id: 4, goods_id: 7, title: '拼团苹果', cover_url: '', price_fen: 800, goods: fixtures.goodsCard({ id: 7, title: '拼团苹果', price_fen: 1000 }) }
  wx.setBackend({ 'GET /home': fixtures.home({ promotions: { flash_sales: [], group_buys: [entry] } }) })
  const page = await openPage('pages/home/index')
  expect(texts(page, '.home__promotion .home__section-title')).toEqual(['拼团优惠'])
  const slot = page.querySelector('.home__promotion').dom.textContent
  expect(slot).toContain('¥8.00')
  expect(slot).toContain('¥10.00')
  await tap(page, '.home__promotion-more')
  expect(wx.calls.navigateTo.pop()).toBe('/subpackages/groupbuy/list/index')
})

test('a group share code opens the group of its scene, and a member makes a poster with its code', async () => {
  wx.setBackend({ 'POST /auth/wx-login': LOGIN, 'GET /groups/9': group({ my_order_id: 55 }) })
  const downloads = []
  wx.downloadFile = (opts) => {
    downloads.push(opts)
    setTimeout(() => opts.success({ statusCode: 200, tempFilePath: 'wxfile://tmp/group-code.png' }), 0)
  }
  const page = await openPage('subpackages/groupbuy/group/index', { scene: encodeURIComponent('t=9') })
  await waitFor(() => text(page, '.group__poster-btn') === '生成分享海报')
  let painted = null
  page.instance.paint = (steps) => {
    painted = steps
    return Promise.resolve('wxfile://tmp/group-poster.png')
  }
  await tap(page, '.group__poster-btn')
  await waitFor(() => page.querySelector('.group__poster-save'))
  expect(downloads[0].url).toMatch(/\/api\/v1\/share-codes\/group\/9$/)
  expect(downloads[0].header.Authorization).toMatch(/^Bearer /)
  const textsDrawn = painted.filter((step) => step.op === 'text').map((step) => step.text)
  expect(textsDrawn).toEqual(['拼团苹果', '¥8.00', '3人团 · 还差1人', '长按识别，一起拼团'])
  expect(painted.filter((step) => step.op === 'image').map((step) => step.path)).toEqual(['/media/apple.webp', 'wxfile://tmp/group-code.png'])
  const saved = []
  wx.saveImageToPhotosAlbum = (opts) => {
    saved.push(opts.filePath)
    opts.success()
  }
  await tap(page, '.group__poster-save')
  expect(saved).toEqual(['wxfile://tmp/group-poster.png'])
  expect(wx.calls.toasts).toEqual(['已保存到相册'])

  // the group filled meanwhile: the API refuses a new code, the shopper is told
  wx.downloadFile = (opts) => setTimeout(() => opts.success({ statusCode: 409, tempFilePath: '' }), 0)
  await page.instance.onPoster()
  expect(page.instance.data.posterVisible).toBe(false)
  expect(wx.calls.toasts.pop()).toBe('海报生成失败，请稍后重试')
  page.instance.onUnload()
})
