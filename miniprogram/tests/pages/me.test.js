const { openPage, text, texts, tap } = require('../helpers/page')

const ME = {
  id: 1,
  nickname: '演示买家',
  avatar_url: 'https://cdn.test/a.png',
  order_counts: { pending_payment: 2, paid: 0, shipped: 1, to_review: 3, after_sale: 0 },
}

function useMe() {
  wx.setBackend({
    'POST /auth/wx-login': { token: 't', expires_at: '2099-01-01T00:00:00Z', user: { id: 1, nickname: '', avatar_url: '' } },
    'GET /me': ME,
  })
}

test('shows who I am and how many orders wait in each state', async () => {
  useMe()
  const page = await openPage('pages/me/index')
  expect(text(page, '.me__nickname')).toBe('演示买家')
  expect(texts(page, '.me__order-text')).toEqual(['待支付', '待发货', '待收货', '待评价', '售后'])
  // A badge on the states that hold orders, none on the empty ones; an icon for every state.
  expect(texts(page, '.me__order-count')).toEqual(['2', '1', '3'])
  expect(page.querySelectorAll('.me__order-icon')).toHaveLength(5)
  expect(page.querySelectorAll('.me__avatar--default')).toHaveLength(0)
})

test('a shopper without a picture gets the default avatar, not a blank circle', async () => {
  ME.avatar_url = ''
  try {
    useMe()
    const page = await openPage('pages/me/index')
    expect(page.querySelectorAll('.me__avatar--default')).toHaveLength(1)
  } finally {
    ME.avatar_url = 'https://cdn.test/a.png'
  }
})

test('order entries open the order list on their tab', async () => {
  useMe()
  const page = await openPage('pages/me/index')
  for (let i = 0; i < 5; i += 1) await tap(page, '.me__order-entry', i)
  await tap(page, '.me__orders-all')
  expect(wx.calls.navigateTo).toEqual([
    '/subpackages/order/list/index?status=pending_payment',
    '/subpackages/order/list/index?status=paid',
    '/subpackages/order/list/index?status=shipped',
    '/subpackages/order/list/index?status=completed',
    '/subpackages/order/list/index?status=after_sale',
    '/subpackages/order/list/index',
  ])
})

test('favorites, footprints, addresses, coupons and profile have entries', async () => {
  useMe()
  const page = await openPage('pages/me/index')
  expect(texts(page, '.me__service-text')).toEqual(['我的收藏', '浏览足迹', '收货地址', '优惠券'])
  for (let i = 0; i < 4; i += 1) await tap(page, '.me__service', i)
  await tap(page, '.me__header')
  expect(wx.calls.navigateTo).toEqual([
    '/subpackages/user/favorites/index',
    '/subpackages/user/footprints/index',
    '/subpackages/user/addresses/index',
    '/subpackages/coupon/mine/index',
    '/subpackages/user/profile/index',
  ])
  expect(wx.calls.toasts).toEqual([])
  expect(text(page, '.me__service--coupons')).toBe('优惠券›')
})
