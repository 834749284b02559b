// The WeChat platform in the mini program: share-code scenes route to the right page on launch
// and in the goods page; subscribe grants are asked after paying and reported; the order
// detail shows the express timeline, or only carrier and number without a provider.
const path = require('path')
const { openPage, text, texts, waitFor } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')
const scene = require('../../src/utils/scene')
const wechatService = require('../../src/services/wechat')

const LOGIN = { token: 't', expires_at: '2099-01-01T00:00:00Z', user: { id: 1, nickname: '', avatar_url: '' } }

function launchApp() {
  let definition = null
  global.App = (options) => {
    definition = options
  }
  jest.isolateModules(() => require(path.join(__dirname, '../../src/app.js')))
  return definition
}

beforeEach(() => wechatService.resetForTests())

test('a scene decodes to the page it belongs to', () => {
  expect(scene.parse('g%3D12')).toEqual({ kind: 'goods', id: '12', prefix: 'g' })
  expect(scene.parse('t=34')).toEqual({ kind: 'group', id: '34', prefix: 't' })
  expect(scene.routeOf(encodeURIComponent('g=12'))).toBe('/subpackages/goods/detail/index?goodsId=12')
  expect(scene.routeOf('t%3D34')).toBe('/subpackages/groupbuy/group/index?id=34')
  for (const nonsense of ['', 'x=1', 'g=', 'g=1;drop', '%E0%A4%A', 'g=12&t=3']) {
    expect(scene.parse(nonsense)).toBeNull()
    expect(scene.routeOf(nonsense)).toBe('')
  }
  expect(scene.encode('goods', 5)).toBe('g=5')
})

test('a share code opened on another page is routed on launch; on its own page it stays', () => {
  wx.setBackend({ 'POST /auth/wx-login': LOGIN })
  const app = launchApp()
  app.onLaunch({ path: 'pages/home/index', query: { scene: 'g%3D12' }, scene: 1047 })
  expect(wx.calls.redirectTo).toEqual(['/subpackages/goods/detail/index?goodsId=12'])
  app.onLaunch({ path: 'subpackages/goods/detail/index', query: { scene: 'g%3D12' }, scene: 1047 })
  app.onLaunch({ path: 'pages/home/index', query: {}, scene: 1001 })
  expect(wx.calls.redirectTo).toEqual(['/subpackages/goods/detail/index?goodsId=12'])
})

test('the goods page opened by a share code shows the goods of its scene', async () => {
  wx.setBackend({ 'POST /auth/wx-login': LOGIN, 'GET /goods/7': fixtures.goodsDetail() })
  const page = await openPage('subpackages/goods/detail/index', { scene: encodeURIComponent('g=7') })
  await waitFor(() => text(page, '.goods-detail__title') === '红富士苹果')
  expect(page.instance.data.goodsId).toBe('7')
  expect(page.instance.onShareAppMessage().path).toBe('/subpackages/goods/detail/index?goodsId=7')
})

test('after paying, the shopper is asked for subscribe messages and the answers are reported', async () => {
  const reported = []
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /me/subscriptions': { grants: {}, templates: { paid: 'TPL_PAID', shipped: 'TPL_SHIP', delivered: 'TPL_DONE' } },
    'POST /me/subscriptions': (req) => {
      reported.push(req.data)
      return { grants: { TPL_SHIP: 1 }, templates: {} }
    },
  })
  const asked = []
  wx.requestSubscribeMessage = (opts) => {
    asked.push(opts.tmplIds)
    setTimeout(() => opts.success({ errMsg: 'requestSubscribeMessage:ok', TPL_SHIP: 'accept', TPL_DONE: 'reject' }), 0)
  }
  const answer = await wechatService.afterPay()
  expect(asked).toEqual([['TPL_SHIP', 'TPL_DONE']])
  expect(reported).toEqual([{ TPL_SHIP: 'accept', TPL_DONE: 'reject' }])
  expect(answer.grants).toEqual({ TPL_SHIP: 1 })
})

test('a shopper who turned subscriptions off is not bothered and nothing is reported', async () => {
  const reported = []
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /me/subscriptions': { grants: {}, templates: { shipped: 'TPL_SHIP' } },
    'POST /me/subscriptions': (req) => reported.push(req.data),
  })
  wx.requestSubscribeMessage = (opts) => setTimeout(() => opts.fail({ errMsg: 'requestSubscribeMessage:fail', errCode: 20004 }), 0)
  expect(await wechatService.afterPay()).toEqual({})
  expect(reported).toEqual([])
  expect(wx.calls.toasts).toEqual([])
})

test('the order detail shows the express timeline from the provider', async () => {
  const order = fixtures.order({ id: 6, status: 'shipped', paid_at: '2024-05-01T04:06:00Z', shipped_at: '2024-05-02T01:00:00Z', carrier: '圆通速递', tracking_no: 'YT9876543210' })
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /orders/6': order,
    'GET /orders/6/tracking': {
      carrier: '圆通速递',
      tracking_no: 'YT9876543210',
      provider: 'kuaidi100',
      state: '5',
      state_text: '派件中',
      points: [
        { time: '2026-12-03 10:00:00', context: '【杭州】派件员正在派件' },
        { time: '2026-12-01 10:00:00', context: '【上海】快件已揽收' },
      ],
      error: null,
    },
  })
  const page = await openPage('subpackages/order/detail/index', { orderId: '6' })
  await waitFor(() => text(page, '.order-detail__track-state') === '派件中')
  expect(texts(page, '.order-detail__track-text')).toEqual(['【杭州】派件员正在派件', '【上海】快件已揽收'])
  expect(text(page, '.order-detail__tracking')).toBe('YT9876543210 复制')
})

test('without a provider the order shows the carrier and number with a copy button', async () => {
  const order = fixtures.order({ id: 8, status: 'shipped', paid_at: '2024-05-01T04:06:00Z', shipped_at: '2024-05-02T01:00:00Z', carrier: '顺丰速运', tracking_no: 'SF1234567890' })
  let asked = 0
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /orders/8': order,
    'GET /orders/8/tracking': () => {
      asked += 1
      return { carrier: '顺丰速运', tracking_no: 'SF1234567890', provider: null, state: null, state_text: null, points: [], error: null }
    },
  })
  const page = await openPage('subpackages/order/detail/index', { orderId: '8' })
  await waitFor(() => asked === 1)
  expect(texts(page, '.order-detail__track-state')).toEqual([])
  expect(text(page, '.order-detail__tracking')).toBe('SF1234567890 复制')
})

test('the poster lays out picture, title, price and the share code', () => {
  const poster = require('../../src/utils/poster')
  const steps = poster.layout({ title: '有机红富士苹果五斤装新鲜当季水果脆甜多汁产地直发包邮', priceFen: 3990, imagePath: 'img', codePath: 'code' })
  const texts = steps.filter((s) => s.op === 'text').map((s) => s.text)
  expect(texts).toEqual(['有机红富士苹果五斤装新鲜当季', '水果脆甜多汁产地直发包邮', '¥39.90', '长按识别小程序码'])
  expect(steps.filter((s) => s.op === 'image').map((s) => s.path)).toEqual(['img', 'code'])
  expect(poster.wrap('一二三四五六七', 3, 2)).toEqual(['一二三', '四五…'])
  const painted = []
  const ctx = {
    fillRect: (...args) => painted.push(['rect', ...args]),
    drawImage: (image) => painted.push(['image', image]),
    fillText: (text) => painted.push(['text', text]),
  }
  poster.draw(ctx, steps, { img: 'IMG', code: 'CODE' })
  expect(painted.map((p) => p[0])).toEqual(['rect', 'image', 'text', 'text', 'text', 'image', 'text'])
  expect(painted.filter((p) => p[0] === 'image').map((p) => p[1])).toEqual(['IMG', 'CODE'])
})

test('the goods poster downloads the share code with the shopper token and shows the picture', async () => {
  wx.setBackend({ 'POST /auth/wx-login': LOGIN, 'GET /goods/7': fixtures.goodsDetail() })
  const downloads = []
  wx.downloadFile = (opts) => {
    downloads.push(opts)
    setTimeout(() => opts.success({ statusCode: 200, tempFilePath: 'wxfile://tmp/code.png' }), 0)
  }
  const page = await openPage('subpackages/goods/detail/index', { goodsId: '7' })
  await waitFor(() => text(page, '.goods-detail__title') === '红富士苹果')
  let painted = null
  page.instance.paint = (steps) => {
    painted = steps
    return Promise.resolve('wxfile://tmp/poster.png')
  }
  await page.instance.onPoster()
  expect(downloads).toHaveLength(1)
  expect(downloads[0].url).toMatch(/\/api\/v1\/share-codes\/goods\/7$/)
  expect(downloads[0].header.Authorization).toMatch(/^Bearer /)
  expect(painted.filter((s) => s.op === 'image').map((s) => s.path)[1]).toBe('wxfile://tmp/code.png')
  expect(page.instance.data.posterPath).toBe('wxfile://tmp/poster.png')

  wx.downloadFile = (opts) => setTimeout(() => opts.success({ statusCode: 503, tempFilePath: '' }), 0)
  await page.instance.onPoster()
  expect(page.instance.data.posterVisible).toBe(false)
  expect(wx.calls.toasts).toEqual(['海报生成失败，请稍后重试'])
})

test('goods lists, categories and reviews can be shared', async () => {
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /goods': { items: [], total: 0, page: 1, page_size: 20 },
    'GET /categories': [],
    'GET /goods/7/reviews': { items: [], total: 0, page: 1, page_size: 20 },
  })
  const list = await openPage('subpackages/goods/list/index', { q: '苹果' })
  expect(list.instance.onShareAppMessage()).toEqual({ title: '搜索：苹果', path: '/subpackages/goods/list/index?q=%E8%8B%B9%E6%9E%9C' })
  const reviews = await openPage('subpackages/goods/reviews/index', { goodsId: '7' })
  expect(reviews.instance.onShareAppMessage().path).toBe('/subpackages/goods/detail/index?goodsId=7')
  const category = await openPage('pages/category/index')
  expect(category.instance.onShareAppMessage().path).toBe('/pages/category/index')
})

test('a review held by content security is explained; a risky one is refused with its message', async () => {
  const { tap, input } = require('../helpers/page')
  const order = fixtures.order({ id: 4, status: 'completed', completed_at: '2024-05-03T01:00:00Z', can_review: true })
  let answer = [201, { reviews: [{ id: 9 }], held: [9] }]
  wx.setBackend({ 'POST /auth/wx-login': LOGIN, 'GET /orders/4': order, 'POST /orders/4/reviews': () => answer })
  const page = await openPage('subpackages/order/review/index', { orderId: '4' })
  await input(page, '.review__content', '还行')
  await tap(page, '.review__submit')
  await waitFor(() => wx.calls.navigateBack)
  expect(wx.calls.toasts).toContain('评价已提交，审核通过后展示')

  answer = [422, { error: 'content_risky', message: '内容含有违规信息，请修改后再提交' }]
  const again = await openPage('subpackages/order/review/index', { orderId: '4' })
  await input(again, '.review__content', '违禁测试词')
  await tap(again, '.review__submit')
  await waitFor(() => wx.calls.toasts.includes('内容含有违规信息，请修改后再提交'))
  expect(wx.calls.navigateBack).toBe(1)
})
