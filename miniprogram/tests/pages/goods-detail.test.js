const { openPage, text, texts, tap, all, waitFor } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')

function detailBackend(goods = fixtures.goodsDetail(), { stockGone = false } = {}) {
  const calls = { cart: [], favorites: [] }
  wx.setBackend({
    'POST /auth/wx-login': { token: 't', expires_at: '2099-01-01T00:00:00Z', user: { id: 1, nickname: '', avatar_url: '' } },
    'GET /goods/7': goods,
    'POST /cart/items': (req) => {
      calls.cart.push(req.data)
      return stockGone ? [409, { error: 'out_of_stock', message: 'SKU 73 has fewer than 3 left' }] : fixtures.cart()
    },
    'POST /me/favorites': (req) => {
      calls.favorites.push(['add', req.data.goods_id])
      return [201, {}]
    },
    'DELETE /me/favorites/7': () => {
      calls.favorites.push(['remove', 7])
      return [204, undefined]
    },
  })
  return calls
}

test('shows photos, price, stock hint, reviews preview and description', async () => {
  detailBackend()
  const page = await openPage('subpackages/goods/detail/index', { goodsId: '7' })
  expect(all(page, '.goods-detail__image')).toHaveLength(2)
  expect(text(page, '.goods-detail__counter')).toBe('1/2')
  expect(text(page, '.goods-detail__price')).toBe('¥39.90')
  expect(text(page, '.goods-detail__market-price')).toBe('¥49.90')
  expect(text(page, '.goods-detail__title')).toBe('红富士苹果')
  expect(text(page, '.goods-detail__price-from')).toBe('起') // its SKUs cost ¥39.90 to ¥79.90
  // Of the SKU the sheet opens with (the first in stock, 5斤装 / 75mm), not of all 8.
  expect(text(page, '.goods-detail__stock')).toBe('仅剩5箱，欲购从速')
  expect(text(page, '.goods-detail__reviews .panel__title')).toBe('评价 (2)')
  expect(text(page, '.goods-detail__review >>> .review-item__content')).toBe('很甜，孩子爱吃')
  expect(text(page, '.goods-detail__description-body >>> .goods-description__text')).toBe('产地直发 坏果包赔')
  await tap(page, '.goods-detail__reviews-head')
  expect(wx.calls.navigateTo).toEqual(['/subpackages/goods/reviews/index?goodsId=7'])
})

test('加入购物车 opens the SKU picker with the first SKU in stock chosen, and adds it', async () => {
  const calls = detailBackend()
  const page = await openPage('subpackages/goods/detail/index', { goodsId: '7' })
  expect(all(page, '.goods-detail__picker >>> .sku-picker__sheet')).toHaveLength(0)
  await tap(page, '.goods-detail__add-cart')
  expect(texts(page, '.goods-detail__picker >>> .sku-picker__value--chosen')).toEqual(['5斤装', '75mm'])
  await tap(page, '.goods-detail__picker >>> .sku-picker__confirm')
  await waitFor(() => wx.calls.toasts.includes('已加入购物车'))
  expect(calls.cart).toEqual([{ sku_id: 71, quantity: 1 }])
  expect(text(page, '.goods-detail__spec-value')).toBe('5斤装 / 75mm，1箱')
  expect(all(page, '.goods-detail__picker >>> .sku-picker__sheet')).toHaveLength(0)
})

test('the quantity stops at the chosen SKU\'s stock', async () => {
  detailBackend()
  const page = await openPage('subpackages/goods/detail/index', { goodsId: '7' })
  await tap(page, '.goods-detail__add-cart')
  await tap(page, '.goods-detail__picker >>> .sku-picker__value', 1) // 10斤装 / 75mm: 3 left
  for (let i = 0; i < 4; i += 1) await tap(page, '.goods-detail__picker >>> .sku-picker__stepper >>> .quantity-stepper__plus')
  expect(text(page, '.goods-detail__picker >>> .sku-picker__stepper >>> .quantity-stepper__value')).toBe('3')
  expect(wx.calls.toasts).toEqual(['库存不足'])
})

test('an add the server refuses shows the reason from the error table after the loading', async () => {
  const calls = detailBackend(undefined, { stockGone: true })
  const page = await openPage('subpackages/goods/detail/index', { goodsId: '7' })
  await tap(page, '.goods-detail__add-cart')
  await tap(page, '.goods-detail__picker >>> .sku-picker__value', 1)
  await tap(page, '.goods-detail__picker >>> .sku-picker__confirm')
  await waitFor(() => wx.calls.toasts.length)
  expect(calls.cart).toEqual([{ sku_id: 73, quantity: 1 }])
  expect(wx.calls.ui).toEqual(['loading:加入中', 'hide', 'toast:库存不足'])
})

test('立即购买 twice goes to checkout with the preselected SKU', async () => {
  detailBackend()
  const page = await openPage('subpackages/goods/detail/index', { goodsId: '7' })
  await tap(page, '.goods-detail__buy-now')
  await tap(page, '.goods-detail__picker >>> .sku-picker__confirm')
  expect(wx.calls.navigateTo).toEqual(['/subpackages/order/checkout/index?skuId=71&quantity=1'])
})

test('a goods item with one SKU is bought with one tap, no sheet', async () => {
  const single = fixtures.goodsDetail({
    specs: [],
    skus: [{ id: 75, spec_values: [], price_fen: 3990, stock: 8, image_url: '' }],
  })
  detailBackend(single)
  const page = await openPage('subpackages/goods/detail/index', { goodsId: '7' })
  expect(all(page, '.goods-detail__price-from')).toHaveLength(0)
  await tap(page, '.goods-detail__buy-now')
  expect(all(page, '.goods-detail__picker >>> .sku-picker__sheet')).toHaveLength(0)
  expect(wx.calls.navigateTo).toEqual(['/subpackages/order/checkout/index?skuId=75&quantity=1'])
})

function favoriteIcon(page) {
  const image = page.querySelector('.goods-detail__favorite .goods-detail__icon-image')
  const attrs = Object.fromEntries(image.dom.__wxElement._vt.attrs.map((attr) => [attr.name, attr.value]))
  return attrs.src
}

test('the bottom bar’s icons are the package’s own pictures, drawn by scripts/make-tab-icons.js', () => {
  const fs = require('fs')
  const path = require('path')
  const wxml = fs.readFileSync(path.join(__dirname, '../../src/subpackages/goods/detail/index.wxml'), 'utf8')
  const bar = wxml.slice(wxml.indexOf('goods-detail__bar'), wxml.indexOf('goods-detail__action'))
  expect(bar).not.toMatch(/[\u2300-\u2bff]/) // no ⌂ ▣ ★ ☆ glyphs
  for (const name of ['bar-home', 'bar-cart', 'bar-favorite', 'bar-favorite-on']) {
    const file = path.join(__dirname, `../../src/subpackages/goods/images/${name}.png`)
    expect(fs.readFileSync(file).subarray(1, 4).toString()).toBe('PNG')
  }
})

test('the favorite toggle saves and removes the favorite', async () => {
  const calls = detailBackend()
  const page = await openPage('subpackages/goods/detail/index', { goodsId: '7' })
  await tap(page, '.goods-detail__favorite')
  await waitFor(() => calls.favorites.length === 1)
  expect(text(page, '.goods-detail__favorite')).toBe('已收藏')
  expect(favoriteIcon(page)).toBe('/subpackages/goods/images/bar-favorite-on.png')
  await tap(page, '.goods-detail__favorite')
  await waitFor(() => calls.favorites.length === 2)
  await waitFor(() => wx.calls.toasts.includes('已取消收藏'))
  expect(calls.favorites).toEqual([
    ['add', 7],
    ['remove', 7],
  ])
  expect(text(page, '.goods-detail__favorite')).toBe('收藏')
  expect(favoriteIcon(page)).toBe('/subpackages/goods/images/bar-favorite.png')
})

test('off-shelf and sold-out goods cannot be bought', async () => {
  detailBackend(fixtures.goodsDetail({ is_on_shelf: false }))
  let page = await openPage('subpackages/goods/detail/index', { goodsId: '7' })
  expect(all(page, '.goods-detail__add-cart')).toHaveLength(0)
  expect(text(page, '.goods-detail__unavailable')).toBe('商品已下架')

  detailBackend(fixtures.goodsDetail({ stock_left: 0 }))
  page = await openPage('subpackages/goods/detail/index', { goodsId: '7' })
  expect(all(page, '.goods-detail__add-cart')).toHaveLength(0)
  expect(text(page, '.goods-detail__remind')).toBe('到货提醒') // sold out, still on the shelf
  await tap(page, '.goods-detail__spec-row')
  expect(wx.calls.toasts).toEqual(['已售罄'])
})

test('a missing goods shows the not-found message and a retry', async () => {
  wx.setBackend({ 'GET /goods/7': [404, { error: 'goods_not_found', message: '商品不存在' }] })
  const page = await openPage('subpackages/goods/detail/index', { goodsId: '7' })
  expect(text(page, '.error-state__text')).toBe('商品加载失败')
  expect(wx.calls.toasts).toEqual(['商品不存在或已下架'])
})
