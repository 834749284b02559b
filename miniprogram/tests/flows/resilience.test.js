// The network drops, or the server forgets the shopper's token: the app copes.
const { installShopper, http, SERVER } = require('./support/live')
const { openPage, tap, text, all, waitFor } = require('../helpers/page')
const api = require('../../src/utils/api')

jest.setTimeout(60000)

let phone

beforeEach(() => {
  phone = installShopper('resilience')
})

test('without network the home page shows the retry message, and loads once the network is back', async () => {
  phone.state.offline = true
  const home = await openPage('pages/home/index')
  expect(phone.calls.toasts).toEqual(['网络异常，请检查网络后重试'])
  expect(text(home, '.home__error .error-state__text')).toBe('加载失败')
  expect(phone.calls.requests.filter((r) => r.path === '/home')).toHaveLength(2) // retried once

  phone.state.offline = false
  await tap(home, '.home__error .btn')
  await waitFor(() => all(home, '.home__banner').length > 0, { timeout: 15000, message: 'banners' })
  expect(all(home, '.home__error')).toHaveLength(0)
})

test('a revoked token is replaced by a fresh login without the shopper noticing', async () => {
  const me = await openPage('pages/me/index')
  await waitFor(() => me.instance.data.user, { timeout: 15000, message: 'the profile' })
  const oldToken = api.token()
  expect(oldToken).toBeTruthy()
  expect(phone.calls.logins).toBe(1)

  const logout = await http('POST', `${SERVER}/api/v1/auth/logout`, { headers: { Authorization: `Bearer ${oldToken}` } })
  expect(logout.statusCode).toBe(204)
  expect(api.token()).toBe(oldToken) // still stored on the phone

  const cart = await openPage('pages/cart/index')
  await waitFor(() => cart.instance.data.loaded, { timeout: 15000, message: 'the cart' })
  expect(text(cart, '.cart__empty >>> .empty-state__text')).toBe('购物车还是空的')
  expect(phone.calls.logins).toBe(2)
  expect(api.token()).not.toBe(oldToken)
  expect(phone.calls.toasts).toEqual([])
  const cartCalls = phone.calls.requests.filter((r) => r.path === '/cart')
  expect(cartCalls.map((r) => r.header.Authorization)).toEqual([`Bearer ${oldToken}`, `Bearer ${api.token()}`])
})
