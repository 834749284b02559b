const { openPage, texts, tap, input, all, waitFor, queryOf } = require('../helpers/page')
const history = require('../../src/utils/search-history')

function searchBackend({ hot = ['苹果', '车厘子', '橙子', '葡萄'], titles = (q) => [`${q}礼盒`, `红富士${q}`] } = {}) {
  const asked = []
  wx.setBackend({
    'GET /search/hot': { keywords: hot },
    'GET /search/suggestions': (req) => {
      asked.push(req.data.q)
      return { keywords: titles(req.data.q) }
    },
  })
  return asked
}

test('shows the shopper’s history and the shop’s hot keywords, the top three marked', async () => {
  searchBackend()
  history.add('牛奶')
  history.add('鸡蛋')
  const page = await openPage('subpackages/goods/search/index')
  expect(texts(page, '.search__word--history')).toEqual(['鸡蛋', '牛奶'])
  expect(texts(page, '.search__word--hot')).toEqual(['苹果', '车厘子', '橙子', '葡萄'])
  expect(texts(page, '.search__word--top')).toEqual(['苹果', '车厘子', '橙子'])
})

test('a search opens the goods list with the keyword and goes first in the history, once', async () => {
  searchBackend()
  history.add('苹果')
  history.add('牛奶')
  const page = await openPage('subpackages/goods/search/index')
  page.querySelector('.search__keyword').dispatchEvent('confirm', { detail: { value: ' 苹果 ' } })
  await waitFor(() => wx.calls.navigateTo.length === 1)
  expect(wx.calls.navigateTo[0].split('?')[0]).toBe('/subpackages/goods/list/index')
  expect(queryOf(wx.calls.navigateTo[0])).toEqual({ q: '苹果' })
  expect(history.list()).toEqual(['苹果', '牛奶'])
  expect(texts(page, '.search__word--history')).toEqual(['苹果', '牛奶'])
})

test('tapping a hot keyword searches it', async () => {
  searchBackend()
  const page = await openPage('subpackages/goods/search/index')
  await tap(page, '.search__word--hot', 1)
  expect(queryOf(wx.calls.navigateTo[0])).toEqual({ q: '车厘子' })
  expect(history.list()).toEqual(['车厘子'])
})

test('the history keeps the ten newest and can be cleared after asking', async () => {
  searchBackend()
  for (let i = 1; i <= 12; i += 1) history.add(`词${i}`)
  const page = await openPage('subpackages/goods/search/index')
  expect(texts(page, '.search__word--history')).toHaveLength(10)
  expect(texts(page, '.search__word--history')[0]).toBe('词12')
  await tap(page, '.search__history-clear')
  await waitFor(() => !all(page, '.search__word--history').length)
  expect(wx.calls.modals[0].title).toBe('清空搜索历史？')
  expect(history.list()).toEqual([])
})

test('suggestions come once typing pauses, only for the last keyword, and tap to search', async () => {
  const asked = searchBackend()
  const page = await openPage('subpackages/goods/search/index')
  await input(page, '.search__keyword', '苹')
  await input(page, '.search__keyword', '苹果')
  await waitFor(() => texts(page, '.search__suggestion').length === 2)
  expect(asked).toEqual(['苹果'])
  expect(texts(page, '.search__suggestion')).toEqual(['苹果礼盒', '红富士苹果'])
  expect(all(page, '.search__section--hot')).toHaveLength(0)
  await tap(page, '.search__suggestion', 1)
  expect(queryOf(wx.calls.navigateTo[0])).toEqual({ q: '红富士苹果' })
})

test('clearing the box hides the suggestions and brings back hot keywords', async () => {
  searchBackend()
  const page = await openPage('subpackages/goods/search/index')
  await input(page, '.search__keyword', '橙')
  await waitFor(() => texts(page, '.search__suggestion').length === 2)
  await tap(page, '.search__clear')
  expect(all(page, '.search__suggestion')).toHaveLength(0)
  expect(texts(page, '.search__word--hot')).toHaveLength(4)
})

test('an empty search is not sent; a failing hot list leaves the page usable', async () => {
  wx.setBackend({ 'GET /search/hot': [503, { error: 'service_unavailable', message: '服务繁忙' }] })
  const page = await openPage('subpackages/goods/search/index')
  expect(all(page, '.search__section--hot')).toHaveLength(0)
  await tap(page, '.search__button')
  expect(wx.calls.toasts).toEqual(['请输入搜索内容'])
  expect(wx.calls.navigateTo).toEqual([])
})

test('home and category search boxes open the search page', async () => {
  wx.setBackend({ 'GET /home': { banners: [], categories: [], hot: [], new: [], shop: { name: '小店' } }, 'GET /categories': [] })
  const home = await openPage('pages/home/index')
  await tap(home, '.home__search')
  const category = await openPage('pages/category/index')
  await tap(category, '.category__search')
  expect(wx.calls.navigateTo).toEqual(['/subpackages/goods/search/index', '/subpackages/goods/search/index'])
})
