const { openPage, text, all } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')

test('lists every review page by page', async () => {
  const seen = []
  wx.setBackend({
    'GET /goods/7/reviews': (req) => {
      seen.push(req.data.page)
      const items = req.data.page === 1 ? Array.from({ length: 20 }, () => fixtures.review()) : [fixtures.review({ content: '最后一条' })]
      return fixtures.page(items, { total: 21, pageNumber: req.data.page })
    },
  })
  const page = await openPage('subpackages/goods/reviews/index', { goodsId: '7' })
  expect(text(page, '.goods-reviews__total')).toBe('共 21 条评价')
  await page.instance.onReachBottom()
  expect(all(page, '.goods-reviews__item')).toHaveLength(21)
  expect(text(page, '.goods-reviews__item >>> .review-item__content', 20)).toBe('最后一条')
  expect(seen).toEqual([1, 2])
})

test('no reviews yet', async () => {
  wx.setBackend({ 'GET /goods/7/reviews': fixtures.page([]) })
  const page = await openPage('subpackages/goods/reviews/index', { goodsId: '7' })
  expect(text(page, '.goods-reviews__empty >>> .empty-state__text')).toBe('暂无评价')
})
