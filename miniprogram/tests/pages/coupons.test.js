const { openPage, text, texts, tap, input, all, waitFor } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')

const LOGIN = { token: 't', expires_at: '2099-01-01T00:00:00Z', user: { id: 1, nickname: '', avatar_url: '' } }

function coupon(overrides = {}) {
  return Object.assign(
    {
      id: 5,
      name: '满99减10',
      kind: 'threshold',
      threshold_fen: 9900,
      discount_fen: 1000,
      percent_off: 0,
      cap_fen: 0,
      scope: { type: 'all', ids: [] },
      valid_from: null,
      valid_until: null,
      valid_days: 7,
      stacks_with_promotions: false,
      claimed_by_me: 0,
      per_user_limit: 1,
      left: 20,
    },
    overrides
  )
}

function held(overrides = {}) {
  return Object.assign(coupon(), { id: 70, coupon_id: 5, status: 'usable', starts_at: '2026-12-01T00:00:00Z', expires_at: '2026-12-08T00:00:00Z', order_id: null, used_at: null }, overrides)
}

test('领券中心: cards read 满 ¥99 减 10 元 and 9 折; claiming marks the card 已领取', async () => {
  const claims = []
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /coupons': [coupon(), coupon({ id: 6, name: '水果九折', kind: 'percent', percent_off: 10, cap_fen: 2000, discount_fen: 0, threshold_fen: 0, scope: { type: 'categories', ids: [3] } }), coupon({ id: 7, name: '抢光了', left: 0 })],
    'POST /coupons/5/claim': (req) => {
      claims.push(req.path)
      return [201, held()]
    },
  })
  const page = await openPage('subpackages/coupon/center/index')
  expect(texts(page, '.coupon-center__card >>> .coupon-card__name')).toEqual(['满99减10', '水果九折', '抢光了'])
  expect(texts(page, '.coupon-center__card >>> .coupon-card__value')).toEqual(['10元', '9折', '10元'])
  expect(texts(page, '.coupon-center__card >>> .coupon-card__condition')).toEqual(['满 ¥99 可用 · 全店通用', '最多减 ¥20 · 指定分类可用', '满 ¥99 可用 · 全店通用'])
  expect(texts(page, '.coupon-center__card >>> .coupon-card__action')).toEqual(['领取', '领取', '已抢光'])
  await tap(page, '.coupon-center__card >>> .coupon-card__action', 2) // sold out: no call
  await tap(page, '.coupon-center__card >>> .coupon-card__action', 0)
  await waitFor(() => wx.calls.toasts.includes('领取成功'))
  expect(claims).toEqual(['/coupons/5/claim'])
  expect(text(page, '.coupon-center__card >>> .coupon-card__action')).toBe('已领取')
})

test('领券中心: a code is redeemed; a refused code shows why', async () => {
  const codes = []
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /coupons': [],
    'POST /coupons/redeem': (req) => {
      codes.push(req.data.code)
      return req.data.code === 'GOODCODE' ? [201, held()] : [404, { error: 'coupon_code_invalid', message: '兑换码无效或已被使用' }]
    },
  })
  const page = await openPage('subpackages/coupon/center/index')
  expect(text(page, '.coupon-center__empty')).toContain('暂时没有可领的优惠券')
  await input(page, '.coupon-center__code', 'BADCODE1')
  await tap(page, '.coupon-center__redeem-btn')
  await waitFor(() => wx.calls.toasts.length === 1)
  await input(page, '.coupon-center__code', 'GOODCODE')
  await tap(page, '.coupon-center__redeem-btn')
  await waitFor(() => wx.calls.toasts.length === 2)
  expect(codes).toEqual(['BADCODE1', 'GOODCODE'])
  expect(wx.calls.toasts).toEqual(['兑换码无效或已被使用', '兑换成功'])
})

test('我的优惠券: three tabs; each asks for its own list', async () => {
  const asked = []
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /me/coupons': (req) => {
      asked.push(req.data.status)
      if (req.data.status === 'usable') return fixtures.page([held()])
      if (req.data.status === 'used') return fixtures.page([held({ id: 71, status: 'locked', order_id: 9 })])
      return fixtures.page([])
    },
  })
  const page = await openPage('subpackages/coupon/mine/index')
  expect(texts(page, '.my-coupons__tab')).toEqual(['可用', '已使用', '已过期'])
  expect(texts(page, '.my-coupons__card >>> .coupon-card__validity')).toEqual(['有效期至 2026.12.08'])
  expect(texts(page, '.my-coupons__card >>> .coupon-card__action')).toEqual(['去使用'])
  await tap(page, '.my-coupons__tab', 1)
  await waitFor(() => asked.length === 2)
  await waitFor(() => all(page, '.my-coupons__card >>> .coupon-card__note').length === 1)
  expect(text(page, '.my-coupons__card >>> .coupon-card__note')).toBe('待支付订单使用中')
  expect(all(page, '.my-coupons__card >>> .coupon-card__action')).toHaveLength(0)
  await tap(page, '.my-coupons__tab', 2)
  await waitFor(() => asked.length === 3)
  await waitFor(() => all(page, '.my-coupons__empty').length === 1)
  expect(asked).toEqual(['usable', 'used', 'expired'])
})

test('home: claimable coupons show as cards and are claimed in place; 新人专享券 pops up once', async () => {
  const claims = []
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /home': fixtures.home(),
    'GET /coupons': [coupon()],
    'POST /coupons/5/claim': () => {
      claims.push(5)
      return [201, held()]
    },
    'GET /me/coupons': fixtures.page([held({ id: 80, name: '新人专享券', kind: 'no_threshold', threshold_fen: 0, discount_fen: 500, new_user: true })]),
  })
  const page = await openPage('pages/home/index')
  expect(texts(page, '.home__coupon >>> .coupon-card__name')).toEqual(['满99减10'])
  expect(text(page, '.newcomer__title')).toBe('新人专享券已到账')
  expect(texts(page, '.newcomer__coupon >>> .coupon-card__value')).toEqual(['5元'])
  await tap(page, '.newcomer__close')
  expect(all(page, '.newcomer')).toHaveLength(0)
  await tap(page, '.home__coupon >>> .coupon-card__action')
  await waitFor(() => claims.length === 1)
  await waitFor(() => text(page, '.home__coupon >>> .coupon-card__action') === '已领取')
  const again = await openPage('pages/home/index')
  expect(all(again, '.newcomer')).toHaveLength(0) // shown once per device
})

test('goods detail: only the coupons for this goods item, asked with its id', async () => {
  const asked = []
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /goods/7': fixtures.goodsDetail(),
    'GET /coupons': (req) => {
      asked.push(req.data.goods_id)
      return [coupon({ name: '苹果专享' })]
    },
  })
  const page = await openPage('subpackages/goods/detail/index', { goodsId: '7' })
  expect(asked).toEqual(['7'])
  expect(texts(page, '.goods-detail__coupon >>> .coupon-card__name')).toEqual(['苹果专享'])
})
