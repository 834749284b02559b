const { promotionSlots } = require('../../src/pages/home/promotions')
const fixtures = require('../helpers/fixtures')

test('empty promotion lists give no slots', () => {
  expect(promotionSlots({ flash_sales: [], group_buys: [] })).toEqual([])
  expect(promotionSlots(undefined)).toEqual([])
})

test('entries become goods cards, with an activity price against the everyday price', () => {
  const goods = fixtures.goodsCard({ id: 7, price_fen: 1990 })
  const [slot] = promotionSlots({ flash_sales: [{ id: 1, goods_id: 7, price_fen: 990, goods }], group_buys: [] })
  expect(slot.title).toBe('限时秒杀')
  expect(slot.items[0]).toMatchObject({ id: 7, title: goods.title, price_fen: 990, market_price_fen: 1990 })
})

test('a promotion kind the app does not know yet still gets a slot', () => {
  const [slot] = promotionSlots({ community_specials: [fixtures.goodsCard({ id: 3 })] })
  expect(slot).toMatchObject({ key: 'community_specials', title: '活动专区' })
  expect(slot.items[0].id).toBe(3)
})
