// Skeletons: grey shapes of home, a goods list and a goods page while the first answer is on
// the way; each page swaps them for its content (or its error) as soon as it has one.
const { mount, openPage, all, waitFor } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')

test('each kind draws its own shapes', () => {
  const home = mount('components/skeleton/index', { kind: 'home' })
  expect(all(home, '.skeleton__banner')).toHaveLength(1)
  expect(all(home, '.skeleton__icon')).toHaveLength(5)
  expect(all(home, '.skeleton__card')).toHaveLength(4)
  const grid = mount('components/skeleton/index', { kind: 'grid', cards: 6 })
  expect(all(grid, '.skeleton__banner')).toHaveLength(0)
  expect(all(grid, '.skeleton__card')).toHaveLength(6)
  const detail = mount('components/skeleton/index', { kind: 'detail' })
  expect(all(detail, '.skeleton__photo')).toHaveLength(1)
  expect(all(detail, '.skeleton__card')).toHaveLength(0)
})

/** A backend whose answers wait until the test lets them go. */
function heldBackend(routes) {
  const held = []
  const wrapped = {}
  Object.keys(routes).forEach((key) => {
    wrapped[key] = () => new Promise((resolve) => held.push(() => resolve(routes[key])))
  })
  wx.setBackend(wrapped)
  return () => held.splice(0).forEach((release) => release())
}

test.each([
  ['pages/home/index', {}, '.home__loading', { 'GET /home': fixtures.home() }, '.home__hot-card'],
  ['subpackages/goods/list/index', {}, '.goods-list__loading', { 'GET /goods': fixtures.page([fixtures.goodsCard()]) }, '.goods-list__card'],
  ['subpackages/goods/detail/index', { goodsId: '7' }, '.goods-detail__loading', { 'GET /goods/7': fixtures.goodsDetail() }, '.goods-detail__title'],
])('%s shows its skeleton until the answer comes, then the content', async (route, query, skeleton, routes, content) => {
  const release = heldBackend(routes)
  const page = mount(route, query)
  const loading = page.instance.onLoad(Object.assign({}, query))
  await waitFor(() => wx.calls.requests.length > 0)
  expect(all(page, skeleton)).toHaveLength(1)
  expect(all(page, content)).toHaveLength(0)
  release()
  await loading
  await waitFor(() => all(page, content).length > 0, { message: content })
  expect(all(page, skeleton)).toHaveLength(0)
})

test('a failed first answer shows the error, not an endless skeleton', async () => {
  wx.setBackend({ 'GET /goods/7': [500, { error: 'internal_error', message: '服务器开小差了' }] })
  const page = await openPage('subpackages/goods/detail/index', { goodsId: '7' })
  expect(all(page, '.goods-detail__loading')).toHaveLength(0)
  expect(all(page, '.error-state')).toHaveLength(1)
})
