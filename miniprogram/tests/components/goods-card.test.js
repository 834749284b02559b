const { mount, text, tap, all } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')

test('a grid card shows title, price, market price and sales, and opens the goods page', async () => {
  const goods = fixtures.goodsCard({ id: 42, title: '红富士苹果', price_fen: 990, market_price_fen: 1230, sales: 12345 })
  const card = mount('components/goods-card/index', { goods })
  expect(text(card, '.goods-card__title')).toBe('红富士苹果')
  expect(text(card, '.goods-card__price')).toBe('¥9.90')
  expect(text(card, '.goods-card__market-price')).toBe('¥12.30')
  expect(text(card, '.goods-card__sales')).toBe('已售1.2万')
  expect(all(card, '.goods-card__subtitle')).toHaveLength(0)
  await tap(card, '.goods-card')
  expect(wx.calls.navigateTo).toEqual(['/subpackages/goods/detail/index?goodsId=42'])
})

test('a row card shows the subtitle, a rank and low stock; a sold-out card says so', () => {
  const card = mount('components/goods-card/index', { goods: fixtures.goodsCard({ subtitle: '脆甜', stock_left: 3 }), layout: 'row', rank: 1 })
  expect(text(card, '.goods-card__subtitle')).toBe('脆甜')
  expect(text(card, '.goods-card__rank')).toBe('1')
  expect(card.querySelector('.goods-card__rank').dom.className).toMatch(/goods-card__rank--top/)
  expect(text(card, '.goods-card__hint')).toBe('仅剩3件')

  const soldOut = mount('components/goods-card/index', { goods: fixtures.goodsCard({ stock_left: 0, market_price_fen: 0 }) })
  expect(text(soldOut, '.goods-card__sold-out')).toBe('已售罄')
  expect(all(soldOut, '.goods-card__market-price')).toHaveLength(0)
})

test('snapshot of a grid card', () => {
  const card = mount('components/goods-card/index', {
    goods: { id: 1, title: '胡萝卜', subtitle: '', cover_url: 'https://cdn.test/c.webp', price_fen: 290, market_price_fen: 360, sales: 415, stock_left: 120, unit: '份', category_id: 6 },
  })
  expect(card.toJSON()).toMatchSnapshot()
})
