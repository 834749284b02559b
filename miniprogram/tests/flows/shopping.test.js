// A new shopper browses, fills the cart, checks out with a new address and pays.
const { installShopper } = require('./support/live')
const { follow, nextUrl, waitForText } = require('./support/journey')
const { chooseSku, roomiestSku, openBestSeller } = require('./support/steps')
const { openPage, tap, input, text, texts, all, waitFor } = require('../helpers/page')
const { formatPrice } = require('../../src/utils/format')

jest.setTimeout(60000)

let phone
const journey = {}

beforeAll(() => {
  phone = installShopper('shopping')
})

/** Each step continues the previous one; say so plainly when that one failed. */
function after(step, value) {
  if (!value) throw new Error(`this step continues "${step}", which did not finish`)
  return value
}
beforeEach(() => {
  global.wx = phone
})

test('home → best seller → pick a SKU → add two to the cart', async () => {
  const detail = await openBestSeller()
  const goods = detail.instance.data.goods
  const sku = roomiestSku(goods)
  expect(text(detail, '.goods-detail__title')).toBe(goods.title)
  expect(text(detail, '.goods-detail__price')).toBe(`¥${formatPrice(goods.price_fen)}`)

  await chooseSku(detail, '.goods-detail__add-cart', sku, { extra: 1 })
  await waitFor(() => phone.calls.toasts.includes('已加入购物车'), { timeout: 15000, message: '已加入购物车' })
  Object.assign(journey, { goods, sku })
})

test('the cart lists the line with the server total; checkout asks for an address and gets a new one', async () => {
  after('add two to the cart', journey.sku)
  const cart = await openPage('pages/cart/index')
  await waitForText(cart, '.cart-item__title', journey.goods.title)
  expect(text(cart, '.cart__checkout')).toBe('结算(2)')
  expect(text(cart, '.cart__total-price')).toBe(`¥${formatPrice(journey.sku.price_fen * 2)}`)

  const before = phone.calls.navigateTo.length
  await tap(cart, '.cart__checkout')
  const checkout = await follow(await nextUrl('navigateTo', { after: before }))
  await waitFor(() => checkout.instance.data.preview, { timeout: 15000, message: 'the order preview' })
  const preview = checkout.instance.data.preview
  expect(preview.lines.map((line) => [line.sku_id, line.quantity])).toEqual([[journey.sku.id, 2]])
  expect(text(checkout, '.checkout__total')).toBe(`¥${formatPrice(preview.total_fen)}`)
  expect(text(checkout, '.checkout__address >>> .address-card__placeholder')).toBe('+ 添加收货地址')

  await tap(checkout, '.checkout__address >>> .address-card')
  const addresses = await follow(await nextUrl('navigateTo', { after: before + 1 }))
  await tap(addresses, '.addresses__add')
  const editor = await follow(await nextUrl('navigateTo', { after: before + 2 }))
  await input(editor, '.address-edit__input--name', '测试买家')
  await input(editor, '.address-edit__input--phone', '13800138000')
  await tap(editor, '.address-edit__locate')
  await waitFor(() => text(editor, '.address-edit__region') === '广东省 深圳市 南山区')
  await tap(editor, '.address-edit__save')
  await waitFor(() => phone.calls.navigateBack === 1, { timeout: 15000, message: 'the editor to close' })

  await addresses.instance.onShow()
  expect(all(addresses, '.addresses__card')).toHaveLength(1)
  await tap(addresses, '.addresses__card >>> .address-card')
  await waitFor(() => text(checkout, '.checkout__address >>> .address-card__name') === '测试买家', { timeout: 15000 })
  await waitFor(() => checkout.instance.data.preview.address, { timeout: 15000, message: 'a preview with the address' })
  journey.checkout = checkout
})

test('submitting pays through WeChat Pay, 支付成功 once the shop has it, and 查看订单 shows 待发货', async () => {
  const checkout = after('checkout with a new address', journey.checkout)
  const redirects = phone.calls.redirectTo.length
  await tap(checkout, '.checkout__submit')
  const url = await nextUrl('redirectTo', { after: redirects })
  expect(url).toMatch(/^\/subpackages\/order\/pay-result\/index\?orderId=\d+$/)
  expect(phone.calls.payments).toHaveLength(1)
  expect(phone.calls.payments[0]).toMatchObject({ signType: 'RSA', package: expect.stringMatching(/^prepay_id=/) })

  const result = await follow(url)
  await waitForText(result, '.pay-result__title', '支付成功')
  const order = result.instance.data.order
  expect(text(result, '.pay-result__amount')).toBe(`¥${formatPrice(order.total_fen)}`)
  expect(text(result, '.pay-result__order-no')).toBe(order.order_no)
  await tap(result, '.pay-result__view-order')
  const detail = await follow(await nextUrl('redirectTo', { after: redirects + 1 }))
  await waitForText(detail, '.order-detail__status-text', '待发货')
  expect(texts(detail, '.order-detail__line-title')).toEqual([journey.goods.title])
  expect(all(detail, '.order-detail__pay')).toHaveLength(0)

  const cart = await openPage('pages/cart/index')
  await waitFor(() => cart.instance.data.loaded)
  expect(all(cart, '.cart-item').map((node) => node.dom.textContent)).not.toContain(journey.goods.title)
})
