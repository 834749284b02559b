// 到货提醒: a sold-out SKU's button becomes 到货提醒; the shopper is asked for the "restocked"
// subscribe message, the shop is told which SKU, and the button then says it is set.
const { openPage, text, tap, all, waitFor } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')

function backend(goods) {
  const reminders = []
  wx.setBackend({
    'POST /auth/wx-login': { token: 't', expires_at: '2099-01-01T00:00:00Z', user: { id: 1, nickname: '', avatar_url: '' } },
    'GET /goods/7': goods,
    'GET /me/subscriptions': { grants: {}, templates: { restocked: 'TPL_BACK', paid: 'TPL_PAID' } },
    'POST /me/subscriptions': (req) => ({ grants: { TPL_BACK: req.data.TPL_BACK === 'accept' ? 1 : 0 }, templates: {} }),
    'POST /restock-reminders': (req) => {
      reminders.push(req.data.sku_id)
      return [201, { sku_ids: reminders.slice() }]
    },
  })
  return reminders
}

function subscribeAsks() {
  const asked = []
  wx.requestSubscribeMessage = (opts) => {
    asked.push(opts.tmplIds)
    setTimeout(() => opts.success({ TPL_BACK: 'accept' }), 0)
  }
  return asked
}

test('choosing a sold-out spec turns the sheet’s button into 到货提醒, which asks and remembers', async () => {
  const reminders = backend(fixtures.goodsDetail())
  const asked = subscribeAsks()
  const page = await openPage('subpackages/goods/detail/index', { goodsId: '7' })
  await tap(page, '.goods-detail__add-cart')
  const sheet = '.goods-detail__picker >>> '
  await tap(page, `${sheet}.sku-picker__value`, 3) // 85mm: 5斤装 / 85mm has no stock (greyed)
  expect(text(page, `${sheet}.sku-picker__stock`)).toBe('已售罄')
  expect(text(page, `${sheet}.sku-picker__confirm`)).toBe('到货提醒')
  await tap(page, `${sheet}.sku-picker__confirm`)
  await waitFor(() => reminders.length === 1)
  expect(reminders).toEqual([72])
  expect(asked).toEqual([['TPL_BACK']])
  await waitFor(() => page.instance.data.reminded.length === 1)
  await waitFor(() => text(page, `${sheet}.sku-picker__confirm`) === '已设置到货提醒')
  expect(wx.calls.toasts).toContain('已设置到货提醒，到货后通知您')

  await tap(page, `${sheet}.sku-picker__confirm`) // asking again is not sent twice
  expect(reminders).toEqual([72])
  await tap(page, `${sheet}.sku-picker__value`, 2) // back to 75mm, in stock
  expect(text(page, `${sheet}.sku-picker__confirm`)).toBe('加入购物车')
})

test('a sold-out goods item with one SKU sets its reminder from the bar in one tap', async () => {
  const goods = fixtures.goodsDetail({ stock_left: 0, specs: [], skus: [{ id: 9, spec_values: [], price_fen: 500, stock: 0, image_url: '' }] })
  const reminders = backend(goods)
  subscribeAsks()
  const page = await openPage('subpackages/goods/detail/index', { goodsId: '7' })
  await tap(page, '.goods-detail__remind')
  await waitFor(() => reminders.length === 1)
  expect(reminders).toEqual([9])
  expect(all(page, '.goods-detail__picker >>> .sku-picker')).toHaveLength(0)
  await waitFor(() => text(page, '.goods-detail__remind') === '已设置到货提醒')
  await tap(page, '.goods-detail__remind')
  expect(reminders).toEqual([9]) // once is enough
})

test('a sold-out goods item with several SKUs opens the sheet to choose which one', async () => {
  const goods = fixtures.goodsDetail({ stock_left: 0 })
  goods.skus = goods.skus.map((item) => Object.assign({}, item, { stock: 0 }))
  const reminders = backend(goods)
  subscribeAsks()
  const page = await openPage('subpackages/goods/detail/index', { goodsId: '7' })
  await tap(page, '.goods-detail__remind')
  const sheet = '.goods-detail__picker >>> '
  await tap(page, `${sheet}.sku-picker__value`, 1) // 10斤装
  await tap(page, `${sheet}.sku-picker__value`, 2) // 75mm
  await tap(page, `${sheet}.sku-picker__confirm`)
  await waitFor(() => reminders.length === 1)
  expect(reminders).toEqual([73])
})

test('a refused reminder (in stock again meanwhile) shows the server’s reason and changes nothing', async () => {
  const goods = fixtures.goodsDetail({ stock_left: 0, specs: [], skus: [{ id: 9, spec_values: [], price_fen: 500, stock: 0, image_url: '' }] })
  subscribeAsks()
  wx.setBackend({
    'POST /auth/wx-login': { token: 't', expires_at: '2099-01-01T00:00:00Z', user: { id: 1, nickname: '', avatar_url: '' } },
    'GET /goods/7': goods,
    'GET /me/subscriptions': { grants: {}, templates: {} },
    'POST /restock-reminders': [409, { error: 'sku_in_stock', message: '该规格有货，可以直接购买' }],
  })
  const page = await openPage('subpackages/goods/detail/index', { goodsId: '7' })
  await tap(page, '.goods-detail__remind')
  // (A toast of the test before may still land here: look for this one.)
  await waitFor(() => wx.calls.toasts.includes('该规格有货，可以直接购买'))
  expect(page.instance.data.reminded).toEqual([])
})
