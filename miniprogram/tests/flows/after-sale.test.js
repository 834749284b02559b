// What happens after checkout: cancelling an unpaid order, asking for a refund, and
// reviewing goods once the merchant shipped them and the shopper confirmed receipt.
const { installShopper, merchant, confirmPayment } = require('./support/live')
const { follow, nextUrl, waitForText, viewPaidOrder } = require('./support/journey')
const { chooseSku, roomiestSku, openBestSeller } = require('./support/steps')
const { openPage, tap, input, text, texts, all, waitFor } = require('../helpers/page')
const meService = require('../../src/services/me')
const ordersService = require('../../src/services/orders')
const goodsService = require('../../src/services/goods')
const { uuid4 } = require('../../src/utils/uuid')

jest.setTimeout(60000)

let phone
let skuId

beforeAll(async () => {
  phone = installShopper('after-sale')
  global.wx = phone
  await meService.createAddress({ name: '售后买家', phone: '13900139000', province: '广东省', city: '深圳市', district: '福田区', detail: '福华路 1 号', is_default: true })
  const list = await goodsService.listGoods({ sort: 'sales', order: 'desc', page: 1, page_size: 5 })
  const goods = await goodsService.getGoods(list.items[list.items.length - 1].id)
  skuId = roomiestSku(goods).id
})
beforeEach(() => {
  global.wx = phone
  phone.state.requestPayment = confirmPayment
})

/** An order placed through the API (checkout itself is covered by the shopping flow). */
async function placeOrder() {
  const address = (await meService.listAddresses())[0]
  return ordersService.createOrder({ items: [{ sku_id: skuId, quantity: 1 }], address_id: address.id, note: '' }, uuid4())
}

/** Opens the order page and pays with 继续支付; resolves when, past 支付成功, it shows 待发货. */
async function payOnDetailPage(orderId) {
  const unpaid = await openPage('subpackages/order/detail/index', { orderId: String(orderId) })
  await waitForText(unpaid, '.order-detail__status-text', '待支付')
  const redirects = phone.calls.redirectTo.length
  await tap(unpaid, '.order-detail__pay')
  unpaid.instance.onUnload()
  const detail = await viewPaidOrder(await nextUrl('redirectTo', { after: redirects }))
  await waitForText(detail, '.order-detail__status-text', '待发货')
  detail.instance.onUnload()
  return detail
}

test('buy now, leave the payment, then cancel the unpaid order from its page', async () => {
  phone.state.requestPayment = () => Promise.reject({ errMsg: 'requestPayment:fail cancel' })
  const detail = await openBestSeller()
  await chooseSku(detail, '.goods-detail__buy-now', roomiestSku(detail.instance.data.goods))
  const checkout = await follow(await nextUrl('navigateTo', { after: 1 }))
  await waitFor(() => checkout.instance.data.preview && checkout.instance.data.address, { timeout: 15000, message: 'preview with the default address' })
  expect(text(checkout, '.checkout__address >>> .address-card__name')).toBe('售后买家')
  await tap(checkout, '.checkout__submit')

  const order = await follow(await nextUrl('redirectTo'))
  await waitForText(order, '.order-detail__status-text', '待支付')
  expect(phone.calls.toasts).toContain('已取消支付，可在订单详情中继续支付')
  expect(text(order, '.order-detail__countdown')).toMatch(/^剩余支付时间 \d+:\d\d，超时自动关闭$/)

  await tap(order, '.order-detail__cancel')
  await waitForText(order, '.order-detail__status-text', '已关闭')
  expect(phone.calls.modals.map((m) => m.title)).toContain('取消订单')
  expect(all(order, '.order-detail__action')).toHaveLength(0)
  expect(texts(order, '.order-detail__event-title')[0]).toBe('已关闭')
  order.instance.onUnload()
})

test('a paid order can be refunded: reason, submit, the order shows 退款申请中', async () => {
  const order = await placeOrder()
  await payOnDetailPage(order.id)
  const detail = await openPage('subpackages/order/detail/index', { orderId: String(order.id) })
  await waitForText(detail, '.order-detail__status-text', '待发货')
  const before = phone.calls.navigateTo.length
  await tap(detail, '.order-detail__refund')
  const refund = await follow(await nextUrl('navigateTo', { after: before }))
  await waitFor(() => refund.instance.data.order, { timeout: 15000 })
  await tap(refund, '.refund__reason', 0)
  await input(refund, '.refund__description', '买多了')
  const redirects = phone.calls.redirectTo.length
  await tap(refund, '.refund__submit')
  const back = await follow(await nextUrl('redirectTo', { after: redirects }))
  await waitForText(back, '.order-detail__status-text', '退款申请中')
  expect(texts(back, '.order-detail__event-title')[0]).toBe('退款申请中')
  expect(all(back, '.order-detail__refund')).toHaveLength(0)
  back.instance.onUnload()
  detail.instance.onUnload()
})

test('shipped by the merchant, received by the shopper, then reviewed with stars, words and a photo', async () => {
  const order = await placeOrder()
  await payOnDetailPage(order.id)
  const shop = await merchant()
  const shipped = await shop.ship(order.id)
  expect(shipped.statusCode).toBe(200)

  const detail = await openPage('subpackages/order/detail/index', { orderId: String(order.id) })
  await waitForText(detail, '.order-detail__status-text', '待收货')
  expect(text(detail, '.order-detail__logistics')).toContain('顺丰速运')
  await tap(detail, '.order-detail__confirm')
  await waitForText(detail, '.order-detail__status-text', '已完成')

  const before = phone.calls.navigateTo.length
  await tap(detail, '.order-detail__review')
  const review = await follow(await nextUrl('navigateTo', { after: before }))
  await waitFor(() => review.instance.data.loaded, { timeout: 15000 })
  await tap(review, '.review__stars >>> .star-rating__star', 3)
  await input(review, '.review__content', '新鲜好吃，配送很快')
  await tap(review, '.review__photo-add')
  await waitFor(() => review.instance.data.drafts[0].images.length === 1, { timeout: 15000, message: 'the photo to upload' })
  expect(review.instance.data.drafts[0].images[0]).toMatch(/\/media\/images\/.+\.webp$/)
  await tap(review, '.review__submit')
  await waitFor(() => phone.calls.navigateBack > 0, { timeout: 15000, message: 'the review page to close' })

  await detail.instance.load()
  await waitForText(detail, '.order-detail__reviewed', '已评价')
  const reviews = await goodsService.listReviews(order.lines[0].goods_id, 1, 50)
  const mine = reviews.items.find((r) => r.content === '新鲜好吃，配送很快')
  expect(mine.images).toHaveLength(1)
  expect(mine.images[0]).toMatch(/\/media\/images\/.+\.webp$/)
  detail.instance.onUnload()
})

test('退货退款 on a shipped order: the merchant agrees, the shopper sends the tracking number, the page shows 已退款 by itself', async () => {
  const order = await placeOrder()
  await payOnDetailPage(order.id)
  const shop = await merchant()
  expect((await shop.ship(order.id)).statusCode).toBe(200)

  const refund = await openPage('subpackages/order/refund/index', { orderId: String(order.id) })
  await waitFor(() => refund.instance.data.order, { timeout: 15000 })
  await tap(refund, '.refund__kind', 1)
  await tap(refund, '.refund__reason', 1)
  const redirects = phone.calls.redirectTo.length
  await tap(refund, '.refund__submit')
  const afterSale = await follow(await nextUrl('redirectTo', { after: redirects }))
  expect(phone.calls.redirectTo[redirects]).toBe(`/subpackages/order/after-sale/index?orderId=${order.id}`)
  await waitForText(afterSale, '.after-sale__status', '待审核')
  const requested = afterSale.instance.data.refund
  expect(requested.return_goods).toBe(true)

  const address = '深圳市南山区科技园一路 1 号 小店售后 13800000000'
  expect((await shop.agreeToReturn(requested.id, address)).statusCode).toBe(200)
  await waitForText(afterSale, '.after-sale__status', '待买家退货', 15000)
  expect(text(afterSale, '.after-sale__address-text')).toBe(address)
  await input(afterSale, '.after-sale__carrier', '中通快递')
  await input(afterSale, '.after-sale__tracking', `ZT${Date.now()}`)
  await tap(afterSale, '.after-sale__submit')
  await waitForText(afterSale, '.after-sale__status', '待商家收货', 15000)

  expect((await shop.receiveReturn(requested.id, true)).statusCode).toBe(200)
  await waitForText(afterSale, '.after-sale__status', '已退款', 30000)
  expect(afterSale.instance.data.refund.amount_fen).toBe(order.total_fen - order.freight_fen)
  afterSale.instance.onUnload()
})
