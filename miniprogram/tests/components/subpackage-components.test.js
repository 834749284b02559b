const { mount, find, text, texts, tap, all, settle } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')

function picker(props) {
  const comp = mount('subpackages/goods/components/sku-picker/index', Object.assign({ visible: true, mode: 'cart' }, props))
  const confirmed = []
  comp.addEventListener('confirm', (event) => confirmed.push(event.detail))
  return { comp, confirmed }
}

test('sku-picker: opens on the first SKU in stock; sold-out combinations are disabled and the price follows the choice', async () => {
  const { comp, confirmed } = picker({ goods: fixtures.goodsDetail() })
  await settle()
  expect(texts(comp, '.sku-picker__spec-name')).toEqual(['规格', '果径', '数量'])
  expect(texts(comp, '.sku-picker__value--chosen')).toEqual(['5斤装', '75mm'])
  expect(text(comp, '.sku-picker__price')).toBe('¥39.90')
  expect(comp.querySelectorAll('.sku-picker__value')[3].dom.className).toMatch(/--disabled/) // 85mm: no stock at all

  await tap(comp, '.sku-picker__value', 2) // 75mm again: unchosen
  expect(text(comp, '.sku-picker__price')).toBe('¥39.90起') // 5斤装: ¥39.90 or ¥45.90
  await tap(comp, '.sku-picker__confirm')
  expect(wx.calls.toasts).toEqual(['请选择果径'])

  await tap(comp, '.sku-picker__value', 1) // 10斤装
  await tap(comp, '.sku-picker__value', 2) // 75mm
  expect(text(comp, '.sku-picker__price')).toBe('¥69.90')
  expect(text(comp, '.sku-picker__stock')).toBe('库存3箱')
  await tap(comp, '.sku-picker__stepper >>> .quantity-stepper__plus')
  await tap(comp, '.sku-picker__confirm')
  expect(confirmed).toEqual([{ skuId: 73, quantity: 2, specText: '10斤装 / 75mm', mode: 'cart' }])
})

test('sku-picker: a goods with one SKU is chosen already', async () => {
  const goods = fixtures.goodsDetail({ specs: [], skus: [{ id: 9, spec_values: [], price_fen: 500, stock: 4, image_url: '' }] })
  const { comp, confirmed } = picker({ goods, mode: 'buy' })
  await settle()
  expect(text(comp, '.sku-picker__confirm')).toBe('立即购买')
  await tap(comp, '.sku-picker__confirm')
  expect(confirmed).toEqual([{ skuId: 9, quantity: 1, specText: '', mode: 'buy' }])
})

function srcOf(node) {
  const attrs = Object.fromEntries(node.dom.__wxElement._vt.attrs.map((attr) => [attr.name, attr.value]))
  return attrs.src
}

test('sku-picker: the chosen SKU shows its own picture and its own struck-through 划线价, else the goods’ ones', async () => {
  const goods = fixtures.goodsDetail()
  goods.skus = goods.skus.map((one) => Object.assign({}, one))
  Object.assign(goods.skus[2], { image_url: 'https://cdn.test/sku73-800.webp', market_price_fen: 8990 }) // 10斤装 / 75mm
  Object.assign(goods.skus[0], { market_price_fen: 4990 }) // what the API sends without one of its own: the goods'
  const { comp } = picker({ goods })
  await settle()
  expect(text(comp, '.sku-picker__price')).toBe('¥39.90')
  expect(text(comp, '.sku-picker__market')).toBe('¥49.90')
  expect(srcOf(find(comp, '.sku-picker__image'))).toBe('https://cdn.test/g7-1.webp') // the cover

  await tap(comp, '.sku-picker__value', 1) // 10斤装
  expect(text(comp, '.sku-picker__chosen')).toBe('已选：10斤装 / 75mm')
  expect(text(comp, '.sku-picker__price')).toBe('¥69.90')
  expect(text(comp, '.sku-picker__market')).toBe('¥89.90')
  expect(find(comp, '.sku-picker__market').dom.innerHTML).toMatch(/price-tag--strike/)
  expect(srcOf(find(comp, '.sku-picker__image'))).toBe('https://cdn.test/sku73-800.webp')

  goods.skus[2].market_price_fen = 6990 // not above the price: nothing struck through
  const { comp: plain } = picker({ goods })
  await settle()
  await tap(plain, '.sku-picker__value', 1)
  expect(text(plain, '.sku-picker__price')).toBe('¥69.90')
  expect(all(plain, '.sku-picker__market')).toHaveLength(0)
})

test('review-item shows the review with stars, date, photos and the shop reply', async () => {
  const review = fixtures.review({ score: 4, content: '很甜', images: ['https://cdn.test/p1.webp'], reply: '谢谢支持', created_at: '2024-05-01T20:00:00Z' })
  const item = mount('subpackages/goods/components/review-item/index', { review })
  await settle()
  expect(text(item, '.review-item__nickname')).toBe('小王')
  expect(text(item, '.review-item__date')).toBe('2024-05-02')
  expect(text(item, '.review-item__content')).toBe('很甜')
  expect(all(item, '.review-item__photo')).toHaveLength(1)
  expect(text(item, '.review-item__reply')).toBe('商家回复：谢谢支持')
})

test('order-card shows lines and totals, and only the buttons the order allows', async () => {
  const card = mount('subpackages/order/components/order-card/index', { order: fixtures.order({ status: 'pending_payment' }) })
  expect(text(card, '.order-card__status')).toBe('待支付')
  expect(text(card, '.order-card__total')).toBe('共1件 需付款¥47.90') // not paid yet: not 实付
  expect(texts(card, '.order-card__action')).toEqual(['取消订单', '去支付'])
  const actions = []
  card.addEventListener('action', (event) => actions.push(event.detail))
  await tap(card, '.order-card__action--pay')
  expect(actions).toEqual([{ action: 'pay', orderId: 501 }])
  await tap(card, '.order-card__head')
  expect(wx.calls.navigateTo).toEqual(['/subpackages/order/detail/index?orderId=501'])

  const shipped = mount('subpackages/order/components/order-card/index', { order: fixtures.order({ status: 'shipped' }) })
  expect(texts(shipped, '.order-card__action')).toEqual(['确认收货'])
  expect(text(shipped, '.order-card__total')).toBe('共1件 实付¥47.90')
  const closed = mount('subpackages/order/components/order-card/index', { order: fixtures.order({ status: 'closed' }) })
  expect(all(closed, '.order-card__actions')).toHaveLength(0)
})
