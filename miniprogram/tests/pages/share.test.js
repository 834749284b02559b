// Sharing home, a goods list and a goods page: to a chat (a path) and to 朋友圈 (the same page
// with a query), each with its own title and picture; both entries shown in the "···" menu.
const { openPage, waitFor } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')

function backend() {
  wx.setBackend({
    'POST /auth/wx-login': { token: 't', expires_at: '2099-01-01T00:00:00Z', user: { id: 1, nickname: '', avatar_url: '' } },
    'GET /home': fixtures.home({ shop: { name: '鲜果小铺', service_phone: '' }, banners: [{ id: 1, image_url: 'https://cdn.test/banner.webp', link_type: 'none', link_value: '' }] }),
    'GET /goods': fixtures.page([fixtures.goodsCard({ id: 3, cover_url: 'https://cdn.test/g3.webp' })]),
    'GET /goods/7': fixtures.goodsDetail(),
  })
}

function shareMenus() {
  return wx.calls.shareMenus
}

test('home shares the shop’s name and its first banner, to chats and to 朋友圈', async () => {
  backend()
  const home = await openPage('pages/home/index')
  expect(home.instance.onShareAppMessage()).toEqual({ title: '鲜果小铺', path: '/pages/home/index', imageUrl: 'https://cdn.test/banner.webp' })
  expect(home.instance.onShareTimeline()).toEqual({ title: '鲜果小铺', imageUrl: 'https://cdn.test/banner.webp' })
  expect(shareMenus()).toEqual([['shareAppMessage', 'shareTimeline']])
})

test('a goods list shares its category or keyword, as a query for 朋友圈', async () => {
  backend()
  const list = await openPage('subpackages/goods/list/index', { categoryId: '2', title: '进口水果' })
  await waitFor(() => list.instance.data.items.length)
  expect(list.instance.onShareTimeline()).toEqual({
    title: '进口水果',
    query: `categoryId=2&title=${encodeURIComponent('进口水果')}`,
    imageUrl: 'https://cdn.test/g3.webp',
  })
  const search = await openPage('subpackages/goods/list/index', { q: '苹果' })
  expect(search.instance.onShareTimeline().title).toBe('搜索：苹果')
  expect(search.instance.onShareTimeline().query).toBe(`q=${encodeURIComponent('苹果')}`)
  expect(shareMenus()).toHaveLength(2)
})

test('a goods page shares its title, price and first photo; 朋友圈 opens the same goods', async () => {
  backend()
  const page = await openPage('subpackages/goods/detail/index', { goodsId: '7' })
  expect(page.instance.onShareAppMessage()).toEqual({
    title: '红富士苹果',
    path: '/subpackages/goods/detail/index?goodsId=7',
    imageUrl: 'https://cdn.test/g7-1.webp',
  })
  expect(page.instance.onShareTimeline()).toEqual({ title: '红富士苹果 ¥39.90', query: 'goodsId=7', imageUrl: 'https://cdn.test/g7-1.webp' })
})

test('a page shared before it loaded still has a title and no broken picture', () => {
  const { mount } = require('../helpers/page')
  const page = mount('subpackages/goods/detail/index', { goodsId: '7' })
  expect(page.instance.onShareTimeline()).toEqual({ title: '好物推荐', query: 'goodsId=7' })
})
