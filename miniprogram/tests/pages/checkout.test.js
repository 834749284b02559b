const { openPage, text, texts, tap, input, waitFor } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')

const LOGIN = { token: 't', expires_at: '2099-01-01T00:00:00Z', user: { id: 1, nickname: '', avatar_url: '' } }

function checkoutBackend({ preview = fixtures.preview(), create, pay } = {}) {
  const seen = { previews: [], creates: [], pays: [] }
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'POST /orders/preview': (req) => {
      seen.previews.push(req.data)
      return typeof preview === 'function' ? preview(req) : preview
    },
    'POST /orders': (req) => {
      seen.creates.push({ body: req.data, key: req.header['Idempotency-Key'] })
      return create ? create(req, seen.creates.length) : [201, fixtures.order({ id: 900 })]
    },
    'POST /orders/900/pay': (req) => {
      seen.pays.push(req.data)
      return pay ? pay(req) : { timeStamp: '1700000000', nonceStr: 'n', package: 'prepay_id=wx123', signType: 'RSA', paySign: 's' }
    },
    'GET /orders/900': fixtures.order({ id: 900, status: 'paid' }),
  })
  return seen
}

test('shows lines, address, freight, a free-freight hint and the total from the preview', async () => {
  const seen = checkoutBackend()
  const page = await openPage('subpackages/order/checkout/index', { skuId: '71', quantity: '2' })
  expect(seen.previews).toEqual([{ items: [{ sku_id: 71, quantity: 2 }] }])
  expect(text(page, '.checkout__address >>> .address-card__name')).toBe('张三')
  expect(texts(page, '.checkout__title')).toEqual(['红富士苹果'])
  expect(text(page, '.checkout__goods-total')).toBe('商品金额¥79.80')
  expect(text(page, '.checkout__freight')).toBe('运费¥8.00')
  expect(text(page, '.checkout__freight-hint')).toBe('再买 ¥19.20 免运费')
  expect(text(page, '.checkout__total')).toBe('¥87.80')
})

test('the default address is chosen before the first preview, so freight is priced for it', async () => {
  const seen = checkoutBackend({ preview: fixtures.preview({ address: null }) })
  const addresses = [fixtures.address({ id: 3, name: '王五', is_default: false }), fixtures.address({ id: 4, name: '赵六', is_default: true })]
  const inner = wx.state.backend
  wx.setBackend((req) => (req.path === '/me/addresses' ? { statusCode: 200, data: addresses } : inner(req)))
  const page = await openPage('subpackages/order/checkout/index', { fromCart: '1' })
  expect(seen.previews).toEqual([{ from_cart: true, address_id: 4 }])
  expect(text(page, '.checkout__address >>> .address-card__name')).toBe('赵六')
  expect(wx.calls.toasts).toEqual([])
})

test('from the cart, submitting creates the order with an idempotency key and pays for it', async () => {
  const seen = checkoutBackend({ preview: fixtures.preview({ freight_fen: 0, total_fen: 7980 }) })
  const page = await openPage('subpackages/order/checkout/index', { fromCart: '1' })
  expect(seen.previews[0]).toEqual({ from_cart: true })
  expect(text(page, '.checkout__freight')).toBe('运费免运费')
  await input(page, '.checkout__note-input', ' 放门口 ')
  await tap(page, '.checkout__submit')
  await waitFor(() => wx.calls.redirectTo.length)
  expect(seen.creates).toHaveLength(1)
  expect(seen.creates[0].body).toEqual({ from_cart: true, address_id: 1, note: '放门口', coupon_id: null })
  expect(seen.creates[0].key).toMatch(/^[0-9a-f-]{36}$/)
  expect(seen.pays).toEqual([{ channel: 'wechat' }])
  expect(wx.calls.payments[0]).toMatchObject({ package: 'prepay_id=wx123', signType: 'RSA', paySign: 's' })
  expect(wx.calls.redirectTo).toEqual(['/subpackages/order/pay-result/index?orderId=900'])
})

test('a submit retried after a lost answer keeps the same idempotency key', async () => {
  const seen = checkoutBackend({
    create: (req, attempt) => (attempt === 1 ? Promise.reject({ errMsg: 'request:fail' }) : [201, fixtures.order({ id: 900 })]),
  })
  const page = await openPage('subpackages/order/checkout/index', { fromCart: '1' })
  await tap(page, '.checkout__submit')
  await waitFor(() => wx.calls.redirectTo.length)
  expect(seen.creates).toHaveLength(2)
  expect(seen.creates[0].key).toBe(seen.creates[1].key)
})

test('a refused order shows why, refreshes the preview and gets a new key for the next try', async () => {
  const seen = checkoutBackend({ create: () => [409, { error: 'out_of_stock', message: '库存不足' }] })
  const page = await openPage('subpackages/order/checkout/index', { fromCart: '1' })
  await tap(page, '.checkout__submit')
  await waitFor(() => seen.previews.length === 2)
  expect(wx.calls.toasts).toEqual(['库存不足'])
  await tap(page, '.checkout__submit')
  await waitFor(() => seen.previews.length === 3)
  expect(seen.creates[0].key).not.toBe(seen.creates[1].key)
  expect(wx.calls.redirectTo).toEqual([])
})

test('without an address the shopper is asked for one; the chosen one re-prices the order', async () => {
  const seen = checkoutBackend({ preview: (req) => fixtures.preview({ address: null, freight_fen: req.data.address_id ? 1200 : 800 }) })
  const page = await openPage('subpackages/order/checkout/index', { fromCart: '1' })
  expect(text(page, '.checkout__address >>> .address-card__placeholder')).toBe('+ 添加收货地址')
  await tap(page, '.checkout__submit')
  expect(wx.calls.toasts).toEqual(['请先选择收货地址'])

  await tap(page, '.checkout__address >>> .address-card')
  expect(wx.calls.navigateTo).toEqual(['/subpackages/user/addresses/index?select=1'])
  wx.state.openerEvents.addressSelected(fixtures.address({ id: 5, name: '李四' }))
  await waitFor(() => seen.previews.length === 2)
  expect(seen.previews[1]).toEqual({ from_cart: true, address_id: 5 })
  await waitFor(() => text(page, '.checkout__freight') === '运费¥12.00')
  expect(text(page, '.checkout__address >>> .address-card__name')).toBe('李四')
})

test('a cancelled payment keeps the order payable and says where to finish paying', async () => {
  checkoutBackend()
  wx.state.requestPayment = () => Promise.reject({ errMsg: 'requestPayment:fail cancel' })
  const page = await openPage('subpackages/order/checkout/index', { fromCart: '1' })
  await tap(page, '.checkout__submit')
  await waitFor(() => wx.calls.redirectTo.length)
  expect(wx.calls.toasts).toEqual(['已取消支付，可在订单详情中继续支付'])
  expect(wx.calls.redirectTo).toEqual(['/subpackages/order/detail/index?orderId=900'])
})

test('a failed payment explains what to check and how to pay again', async () => {
  checkoutBackend()
  wx.state.requestPayment = () => Promise.reject({ errMsg: 'requestPayment:fail 余额不足' })
  const page = await openPage('subpackages/order/checkout/index', { fromCart: '1' })
  await tap(page, '.checkout__submit')
  await waitFor(() => wx.calls.redirectTo.length)
  expect(wx.calls.modals[0].title).toBe('支付未完成')
  expect(wx.calls.modals[0].content).toMatch(/余额.*网络.*继续支付/)
})

describe('coupons at checkout', () => {
  const withCoupons = (overrides = {}) =>
    fixtures.preview(
      Object.assign(
        {
          goods_total_fen: 11998,
          promotion_discount_fen: 1200,
          coupon_discount_fen: 1079,
          discount_fen: 2279,
          freight_fen: 800,
          total_fen: 10519,
          coupon_id: 31,
          coupons: [
            { id: 31, name: '九折券', usable: true, reason: '', discount_fen: 1079, expires_at: '2099-01-01T00:00:00Z' },
            { id: 32, name: '满99减10', usable: true, reason: '', discount_fen: 1000, expires_at: '2099-01-01T00:00:00Z' },
            { id: 33, name: '茶券', usable: false, reason: '不适用于该商品', discount_fen: 0, expires_at: null },
          ],
        },
        overrides
      )
    )

  test('the price lines show 商品金额, 满减, 优惠券, 运费 and 实付 with the best coupon chosen', async () => {
    checkoutBackend({ preview: withCoupons() })
    const page = await openPage('subpackages/order/checkout/index', { fromCart: '1' })
    expect(text(page, '.checkout__goods-total')).toBe('商品金额¥119.98')
    expect(text(page, '.checkout__promotion')).toBe('满减-¥12.00')
    expect(text(page, '.checkout__coupon')).toBe('优惠券-¥10.79 ›')
    expect(text(page, '.checkout__freight')).toBe('运费¥8.00')
    expect(text(page, '.checkout__paid')).toBe('实付¥105.19')
  })

  test('the sheet lists usable coupons with their discount and unusable ones with why; picking asks again', async () => {
    const seen = checkoutBackend({
      preview: (req) => (req.data.coupon_id === 32 ? withCoupons({ coupon_id: 32, coupon_discount_fen: 1000 }) : req.data.coupon_id === null ? withCoupons({ coupon_id: null, coupon_discount_fen: 0 }) : withCoupons()),
    })
    const page = await openPage('subpackages/order/checkout/index', { fromCart: '1' })
    await tap(page, '.checkout__coupon')
    expect(texts(page, '.coupon-sheet__name')).toEqual(['九折券', '满99减10', '茶券'])
    expect(texts(page, '.coupon-sheet__reason')).toEqual(['不适用于该商品'])
    expect(texts(page, '.coupon-sheet__amount')).toEqual(['-¥10.79', '-¥10.00'])
    await tap(page, '.coupon-sheet__option', 2) // unusable: nothing happens
    expect(seen.previews).toHaveLength(1)
    await tap(page, '.coupon-sheet__option', 1)
    await waitFor(() => seen.previews.length === 2)
    expect(seen.previews[1]).toEqual({ from_cart: true, address_id: 1, coupon_id: 32 })
    await waitFor(() => page.instance.data.preview.coupon_id === 32)
    expect(text(page, '.checkout__coupon')).toBe('优惠券-¥10.00 ›')
    await tap(page, '.checkout__submit')
    await waitFor(() => wx.calls.redirectTo.length)
    expect(seen.creates[0].body.coupon_id).toBe(32)
  })

  test('不使用优惠券 sends coupon_id null and the row counts what is usable', async () => {
    const seen = checkoutBackend({
      preview: (req) => (req.data.coupon_id === null ? withCoupons({ coupon_id: null, coupon_discount_fen: 0 }) : withCoupons()),
    })
    const page = await openPage('subpackages/order/checkout/index', { fromCart: '1' })
    await tap(page, '.checkout__coupon')
    await tap(page, '.coupon-sheet__none')
    await waitFor(() => seen.previews.length === 2)
    expect(seen.previews[1].coupon_id).toBeNull()
    await waitFor(() => page.instance.data.preview.coupon_id === null)
    expect(text(page, '.checkout__coupon')).toBe('优惠券2 张可用 ›')
  })
})
