// A new shopper sees the running 限时1元购 on home, buys one at ¥1 and pays; the second try
// says 已达限购. Against the live demo (its seed has a running flash session).
const { installShopper } = require('./support/live')
const { follow, nextUrl } = require('./support/journey')
const { openPage, tap, text, texts, waitFor } = require('../helpers/page')
const meService = require('../../src/services/me')
const { formatPrice } = require('../../src/utils/format')

jest.setTimeout(60000)

let phone

beforeAll(() => {
  phone = installShopper('flash')
})

beforeEach(() => {
  global.wx = phone
})

test('home → 限时秒杀 → 立即抢购 at ¥1 and pay; the second try says 已达限购', async () => {
  const home = await openPage('pages/home/index')
  await waitFor(() => texts(home, '.home__promotion .home__section-title').includes('限时秒杀'), {
    timeout: 15000,
    message: 'the flash slot on home',
  })
  await meService.createAddress({
    name: '秒杀买家',
    phone: '13800138000',
    province: '上海市',
    city: '上海市',
    district: '徐汇区',
    detail: '漕溪北路 1 号',
    is_default: true,
  })
  const before = phone.calls.navigateTo.length
  await tap(home, '.home__promotion--flash_sales .home__promotion-more')
  const flash = await follow(await nextUrl('navigateTo', { after: before }))
  await waitFor(() => flash.instance.data.sessions.length > 0, { timeout: 15000, message: 'the running session' })
  expect(text(flash, '.flash__tab--active')).toBe('正在疯抢')
  expect(text(flash, '.flash__price')).toBe('¥1.00')
  expect(text(flash, '.flash__countdown')).toMatch(/^距结束 (\d+天 )?\d\d:\d\d:\d\d$/)

  await tap(flash, '.flash__grab')
  const resultUrl = await nextUrl('navigateTo', { after: before + 1, timeout: 30000 })
  expect(resultUrl).toMatch(/^\/subpackages\/order\/pay-result\/index\?orderId=\d+$/)
  const result = await follow(resultUrl)
  await waitFor(() => text(result, '.pay-result__title') === '支付成功', { timeout: 20000, message: '支付成功' })
  expect(text(result, '.pay-result__amount')).toBe(`¥${formatPrice(result.instance.data.order.total_fen)}`)
  const redirects = phone.calls.redirectTo.length
  await tap(result, '.pay-result__view-order')
  const detail = await follow(await nextUrl('redirectTo', { after: redirects }))
  await waitFor(() => text(detail, '.order-detail__status-text') === '待发货', { timeout: 20000, message: 'the order paid' })
  expect(detail.instance.data.order.kind).toBe('flash')
  detail.instance.onUnload && detail.instance.onUnload()

  phone.calls.toasts.length = 0
  await tap(flash, '.flash__grab')
  await waitFor(() => phone.calls.toasts.length > 0, { timeout: 15000, message: 'the refusal' })
  expect(phone.calls.toasts).toContain('已达限购')
  flash.instance.onUnload()
})
