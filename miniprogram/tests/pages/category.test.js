const { openPage, text, texts, tap } = require('../helpers/page')

const TREE = [
  { id: 1, name: '新鲜水果', icon_url: '', children: [{ id: 2, name: '时令水果', icon_url: '', children: [] }, { id: 3, name: '进口水果', icon_url: '', children: [] }] },
  { id: 4, name: '时令蔬菜', icon_url: '', children: [{ id: 5, name: '叶菜', icon_url: '', children: [] }] },
]

test('shows top categories and the children of the chosen one', async () => {
  wx.setBackend({ 'GET /categories': TREE })
  const page = await openPage('pages/category/index')
  expect(texts(page, '.category__top')).toEqual(['新鲜水果', '时令蔬菜'])
  expect(texts(page, '.category__child-name')).toEqual(['时令水果', '进口水果'])
  await tap(page, '.category__top', 1)
  expect(texts(page, '.category__child-name')).toEqual(['叶菜'])
  expect(page.querySelectorAll('.category__top')[1].dom.className).toMatch(/category__top--active/)
})

test('a child or "查看全部" opens the goods list filtered by that category', async () => {
  wx.setBackend({ 'GET /categories': TREE })
  const page = await openPage('pages/category/index')
  await tap(page, '.category__child', 1)
  await tap(page, '.category__all')
  expect(wx.calls.navigateTo).toEqual([
    `/subpackages/goods/list/index?categoryId=3&title=${encodeURIComponent('进口水果')}`,
    `/subpackages/goods/list/index?categoryId=1&title=${encodeURIComponent('新鲜水果')}`,
  ])
})

test('the tree is cached between visits', async () => {
  wx.setBackend({ 'GET /categories': TREE })
  await openPage('pages/category/index')
  await openPage('pages/category/index')
  expect(wx.calls.requests.filter((r) => r.path === '/categories')).toHaveLength(1)
})

test('an empty shop says there are no categories', async () => {
  wx.setBackend({ 'GET /categories': [] })
  const page = await openPage('pages/category/index')
  expect(text(page, '.category__empty >>> .empty-state__text')).toBe('暂无分类')
})
