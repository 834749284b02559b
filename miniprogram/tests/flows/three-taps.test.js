// "3 steps to an order": a returning shopper (a default address) goes from a goods page to
// WeChat's pay sheet in at most 3 taps (立即购买 → 立即购买 with the preselected SKU → 提交订单),
// and a goods item with one SKU in 2 (立即购买 → 提交订单). Every tap is counted.
const { installShopper, http, SERVER } = require('./support/live')
const { follow, nextUrl } = require('./support/journey')
const page = require('../helpers/page')
const { waitFor } = page
const meService = require('../../src/services/me')

jest.setTimeout(60000)

let phone
let taps = 0
const tap = (...args) => {
  taps += 1
  return page.tap(...args)
}

beforeAll(async () => {
  phone = installShopper('three-taps')
  await meService.createAddress({
    name: '老顾客', phone: '13800138000', province: '广东省', city: '深圳市', district: '南山区',
    detail: '科苑路15号', is_default: true,
  })
})
beforeEach(() => {
  global.wx = phone
  taps = 0
})

async function goodsTitled(title) {
  const found = await http('GET', `${SERVER}/api/v1/goods?q=${encodeURIComponent(title)}`)
  return found.data.items.find((item) => item.title === title)
}

/** From the goods page of `title` to wx.requestPayment; the taps it took. */
async function buy(title) {
  const card = await goodsTitled(title)
  const detail = await page.openPage('subpackages/goods/detail/index', { goodsId: String(card.id) })
  await waitFor(() => detail.instance.data.goods, { timeout: 15000, message: 'the goods page' })
  const navigations = wx.calls.navigateTo.length
  await tap(detail, '.goods-detail__buy-now')
  if (!wx.calls.navigateTo.length || wx.calls.navigateTo.length === navigations) {
    await tap(detail, '.goods-detail__picker >>> .sku-picker__confirm')
  }
  const checkout = await follow(await nextUrl('navigateTo', { after: navigations }))
  await waitFor(() => checkout.instance.data.preview && checkout.instance.data.preview.address, { timeout: 15000, message: 'a preview with the default address' })
  const payments = phone.calls.payments.length
  await tap(checkout, '.checkout__submit')
  await waitFor(() => phone.calls.payments.length > payments, { timeout: 30000, message: "WeChat's pay sheet" })
  return taps
}

test('a goods item with several SKUs reaches the pay sheet in at most 3 taps', async () => {
  expect(await buy('特级生抽')).toBeLessThanOrEqual(3)
})

test('a goods item with one SKU reaches the pay sheet in 2 taps', async () => {
  expect(await buy('西兰花')).toBeLessThanOrEqual(2)
})
