// Coupons against the live demo: a new shopper gets the 新人专享券, claims 满99减10 in the
// 领券中心, checks out with it, pays and sees it used; an unpaid order that is cancelled gives
// its coupon back.
const { installShopper } = require('./support/live')
const { nextUrl, waitForText, viewPaidOrder } = require('./support/journey')
const { roomiestSku } = require('./support/steps')
const { openPage, tap, texts, all, waitFor } = require('../helpers/page')
const meService = require('../../src/services/me')
const ordersService = require('../../src/services/orders')
const goodsService = require('../../src/services/goods')
const couponsService = require('../../src/services/coupons')
const { uuid4 } = require('../../src/utils/uuid')

jest.setTimeout(60000)

let phone
let sku

beforeAll(async () => {
  phone = installShopper('coupons')
  global.wx = phone
  await meService.createAddress({ name: '领券买家', phone: '13900139001', province: '上海市', city: '上海市', district: '浦东新区', detail: '世纪大道 2 号', is_default: true })
  const list = await goodsService.listGoods({ sort: 'sales', order: 'desc', page: 1, page_size: 5 })
  sku = roomiestSku(await goodsService.getGoods(list.items[0].id))
})
beforeEach(() => {
  global.wx = phone
})

async function mine(status) {
  return (await couponsService.listMine(status, 1, 20)).items
}

test('the first login brought the 新人专享券; 领券中心 claims 满99减10', async () => {
  expect((await mine('usable')).map((coupon) => coupon.name)).toEqual(['新人专享券'])
  const center = await openPage('subpackages/coupon/center/index')
  const names = texts(center, '.coupon-center__card >>> .coupon-card__name')
  const index = names.indexOf('满99减10')
  expect(index).toBeGreaterThanOrEqual(0)
  await tap(center, '.coupon-center__card >>> .coupon-card__action', index)
  await waitFor(() => phone.calls.toasts.includes('领取成功'), { timeout: 15000, message: '领取成功' })
  expect((await mine('usable')).map((coupon) => coupon.name).sort()).toEqual(['新人专享券', '满99减10'].sort())
})

test('checkout with 满99减10 picked in the sheet, pay, and the coupon shows as used', async () => {
  const quantity = Math.ceil(10000 / sku.price_fen)
  const checkout = await openPage('subpackages/order/checkout/index', { skuId: String(sku.id), quantity: String(quantity) })
  await waitFor(() => checkout.instance.data.preview && checkout.instance.data.address, { timeout: 15000, message: 'the preview' })
  const options = checkout.instance.data.preview.coupons
  const wanted = options.find((coupon) => coupon.name === '满99减10')
  expect(wanted && wanted.usable).toBe(true)
  await tap(checkout, '.checkout__coupon')
  await tap(checkout, '.coupon-sheet__option', options.indexOf(wanted))
  await waitFor(() => checkout.instance.data.preview.coupon_id === wanted.id, { timeout: 15000, message: 'the preview with 满99减10' })
  expect(checkout.instance.data.preview.coupon_discount_fen).toBe(1000)
  const redirects = wx.calls.redirectTo.length
  await tap(checkout, '.checkout__submit')
  const order = await viewPaidOrder(await nextUrl('redirectTo', { after: redirects }))
  await waitForText(order, '.order-detail__status-text', '待发货')
  order.instance.onUnload()
  await waitFor(async () => (await mine('used')).some((coupon) => coupon.name === '满99减10' && coupon.status === 'used'), { timeout: 15000, message: 'the coupon used' })
  const page = await openPage('subpackages/coupon/mine/index', { status: 'used' })
  await waitFor(() => all(page, '.my-coupons__card').length === 1, { timeout: 15000, message: 'the used tab' })
  expect(texts(page, '.my-coupons__card >>> .coupon-card__name')).toEqual(['满99减10'])
})

test('cancelling an unpaid order gives its coupon back', async () => {
  const [welcome] = await mine('usable')
  const address = (await meService.listAddresses())[0]
  const order = await ordersService.createOrder({ items: [{ sku_id: sku.id, quantity: 1 }], address_id: address.id, note: '', coupon_id: welcome.id }, uuid4())
  expect(order.discount_fen).toBeGreaterThan(0)
  expect((await mine('usable')).map((coupon) => coupon.id)).not.toContain(welcome.id)
  await ordersService.cancelOrder(order.id)
  const page = await openPage('subpackages/coupon/mine/index')
  await waitFor(() => all(page, '.my-coupons__card').length === 1, { timeout: 15000, message: 'the usable tab' })
  expect(texts(page, '.my-coupons__card >>> .coupon-card__name')).toEqual(['新人专享券'])
})
