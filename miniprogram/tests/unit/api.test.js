const api = require('../../src/utils/api')
const { routeBackend } = require('../helpers/wx')

function login(token = 'token-1') {
  return () => ({ token, expires_at: '2099-01-01T00:00:00Z', user: { id: 1, nickname: '买家', avatar_url: '' } })
}

test('a 2xx answer resolves with the JSON body and sends the bearer token', async () => {
  let tokens = 0
  wx.setBackend({
    'POST /auth/wx-login': () => login(`token-${++tokens}`)(),
    'GET /cart': { items: [] },
  })
  await expect(api.request({ url: '/cart' })).resolves.toEqual({ items: [] })
  const cartCall = wx.calls.requests.find((r) => r.path === '/cart')
  expect(cartCall.header.Authorization).toBe('Bearer token-1')
  expect(wx.calls.requests[0].data).toEqual({ code: 'code-1' })
})

test('a 4xx answer rejects with ApiError{code, message, httpStatus} and shows one toast', async () => {
  wx.setBackend({
    'POST /auth/wx-login': login(),
    'POST /cart/items': [409, { error: 'out_of_stock', message: 'SKU 3 has fewer than 5 left' }],
  })
  const err = await api.request({ url: '/cart/items', method: 'POST', data: { sku_id: 3, quantity: 5 } }).catch((e) => e)
  expect(err).toBeInstanceOf(api.ApiError)
  expect(err).toMatchObject({ code: 'out_of_stock', message: '库存不足', httpStatus: 409 })
  expect(wx.calls.toasts).toEqual(['库存不足'])
})

test('an unknown error code shows the server message; silent calls show nothing', async () => {
  wx.setBackend({ 'GET /home': [418, { error: 'teapot', message: '我是茶壶' }] })
  await expect(api.request({ url: '/home', auth: false })).rejects.toMatchObject({ code: 'teapot', message: '我是茶壶' })
  await expect(api.request({ url: '/home', auth: false, silent: true })).rejects.toMatchObject({ code: 'teapot' })
  expect(wx.calls.toasts).toEqual(['我是茶壶'])
})

test('a 401 logs in again once, shared by concurrent calls, and retries each call once', async () => {
  let issued = 0
  wx.setBackend({
    'POST /auth/wx-login': () => login(`token-${++issued}`)(),
    'GET /me': (req) => (req.header.Authorization === 'Bearer token-2' ? { id: 1 } : [401, { error: 'unauthorized', message: '请先登录' }]),
    'GET /cart': (req) => (req.header.Authorization === 'Bearer token-2' ? { items: [] } : [401, { error: 'unauthorized' }]),
  })
  await api.login()
  expect(wx.calls.logins).toBe(1)

  const [me, cart] = await Promise.all([api.request({ url: '/me' }), api.request({ url: '/cart' })])
  expect(me).toEqual({ id: 1 })
  expect(cart).toEqual({ items: [] })
  expect(wx.calls.logins).toBe(2)
  expect(wx.calls.toasts).toEqual([])
})

test('a call still refused after logging in again fails with unauthorized instead of looping', async () => {
  wx.setBackend({
    'POST /auth/wx-login': login(),
    'GET /me': [401, { error: 'unauthorized', message: '请先登录' }],
  })
  await expect(api.request({ url: '/me' })).rejects.toMatchObject({ code: 'unauthorized', httpStatus: 401 })
  expect(wx.calls.logins).toBe(2)
  expect(wx.calls.requests.filter((r) => r.path === '/me')).toHaveLength(2)
})

test('a GET that never reached the server is retried once, then reported as NETWORK', async () => {
  let attempts = 0
  wx.setBackend(() => {
    attempts += 1
    throw { errMsg: 'request:fail net::ERR_CONNECTION_REFUSED' }
  })
  await expect(api.request({ url: '/home', auth: false })).rejects.toMatchObject({ code: 'NETWORK', httpStatus: 0 })
  expect(attempts).toBe(2)
  expect(wx.calls.toasts).toEqual(['网络异常，请检查网络后重试'])

  attempts = 0
  const flaky = routeBackend({ 'GET /home': { ok: true } })
  wx.setBackend((req) => {
    attempts += 1
    if (attempts === 1) throw { errMsg: 'request:fail' }
    return flaky(req)
  })
  await expect(api.request({ url: '/home', auth: false })).resolves.toEqual({ ok: true })
})

test('a POST without an idempotency key is not sent twice; with one it is', async () => {
  let attempts = 0
  wx.setBackend(() => {
    attempts += 1
    throw { errMsg: 'request:fail' }
  })
  await expect(api.request({ url: '/cart/items', method: 'POST', auth: false })).rejects.toMatchObject({ code: 'NETWORK' })
  expect(attempts).toBe(1)

  attempts = 0
  await expect(
    api.request({ url: '/orders', method: 'POST', auth: false, header: { 'Idempotency-Key': 'k-1' } })
  ).rejects.toMatchObject({ code: 'NETWORK' })
  expect(attempts).toBe(2)
  expect(wx.calls.requests.map((r) => r.header['Idempotency-Key'])).toEqual([undefined, 'k-1', 'k-1'])
})

test('a timeout is reported as TIMEOUT', async () => {
  wx.setBackend(() => {
    throw { errMsg: 'request:fail timeout' }
  })
  await expect(api.request({ url: '/home', auth: false })).rejects.toMatchObject({ code: 'TIMEOUT' })
  expect(wx.calls.toasts).toEqual(['网络超时，请检查网络后重试'])
})

test('the server\'s 500 (internal_error) and a 5xx without our body read the same to the shopper', async () => {
  wx.setBackend({
    'GET /bug': [500, { error: 'internal_error', message: '系统错误，请稍后重试' }],
    'GET /proxy': [502, '<html>Bad Gateway</html>'],
  })
  await expect(api.request({ url: '/bug', auth: false })).rejects.toMatchObject({
    code: 'internal_error',
    message: '服务器开小差了，请稍后重试',
    httpStatus: 500,
  })
  await expect(api.request({ url: '/proxy', auth: false })).rejects.toMatchObject({
    code: 'SERVER_ERROR',
    message: '服务器开小差了，请稍后重试',
    httpStatus: 502,
  })
  // One toast: the same message is not shown again while it is on screen.
  expect(wx.calls.toasts).toEqual(['服务器开小差了，请稍后重试'])
})

test('loading is counted across calls and hidden before the error toast', async () => {
  let release
  const gate = new Promise((resolve) => (release = resolve))
  wx.setBackend({
    'GET /slow': async () => {
      await gate
      return { ok: true }
    },
    'GET /broken': [500, { error: 'internal_error' }],
  })
  const slow = api.request({ url: '/slow', auth: false, loading: true })
  const broken = api.request({ url: '/broken', auth: false, loading: '加载中' }).catch((e) => e)
  expect((await broken).code).toBe('internal_error')
  // The failed call hid the indicator before its toast, though the slow call still runs.
  expect(wx.calls.ui).toEqual(['loading:加载中', 'hide', 'toast:服务器开小差了，请稍后重试'])
  release()
  await slow
  // The slow call's end does not hide the toast that is now on screen.
  expect(wx.calls.ui).toEqual(['loading:加载中', 'hide', 'toast:服务器开小差了，请稍后重试'])
})

test('two calls with loading show the indicator once and hide it once', async () => {
  wx.setBackend({ 'GET /a': { a: 1 }, 'GET /b': { b: 2 } })
  await Promise.all([api.request({ url: '/a', auth: false, loading: true }), api.request({ url: '/b', auth: false, loading: true })])
  expect(wx.calls.loading).toEqual(['show:加载中', 'hide'])
})

test('a 204 answer resolves with null', async () => {
  wx.setBackend({ 'DELETE /me/footprints': () => [204, undefined] })
  await expect(api.request({ url: '/me/footprints', method: 'DELETE', auth: false })).resolves.toBeNull()
})

test('GET parameters that are empty are left out of the query', async () => {
  wx.setBackend({ 'GET /goods': { items: [] } })
  await api.request({ url: '/goods', auth: false, data: { q: '', category_id: undefined, sort: 'sales', page: 1, min_price_fen: null } })
  expect(wx.calls.requests[0].data).toEqual({ sort: 'sales', page: 1 })
})

test('optional auth sends the token when there is one but never logs in for it', async () => {
  wx.setBackend({ 'GET /goods/7': { id: 7 }, 'POST /auth/wx-login': login('token-9') })
  await api.request({ url: '/goods/7', auth: 'optional' })
  expect(wx.calls.logins).toBe(0)
  expect(wx.calls.requests[0].header.Authorization).toBeUndefined()
  await api.login()
  await api.request({ url: '/goods/7', auth: 'optional' })
  expect(wx.calls.requests.pop().header.Authorization).toBe('Bearer token-9')
})

test('an optional-auth call made during the launch login waits for it and sends the token', async () => {
  wx.setBackend({ 'GET /goods/7': { id: 7 }, 'POST /auth/wx-login': login('token-3') })
  const launching = api.login()
  await api.request({ url: '/goods/7', auth: 'optional' })
  await launching
  expect(wx.calls.requests.map((r) => r.path)).toEqual(['/auth/wx-login', '/goods/7'])
  expect(wx.calls.requests[1].header.Authorization).toBe('Bearer token-3')
})

test('the session expires with the token', async () => {
  const now = jest.spyOn(Date, 'now').mockReturnValue(Date.parse('2098-12-31T23:00:00Z'))
  wx.setBackend({ 'POST /auth/wx-login': login('token-1') })
  await api.login()
  expect(api.token()).toBe('token-1')
  now.mockReturnValue(Date.parse('2099-01-01T00:00:01Z'))
  expect(api.token()).toBe('')
  now.mockRestore()
})

test('a file upload goes through wx.uploadFile with the token and returns the parsed body', async () => {
  wx.setBackend({ 'POST /auth/wx-login': login('token-1') })
  let sent = null
  wx.uploadFile = (opts) => {
    sent = opts
    setTimeout(() => opts.success({ statusCode: 201, data: JSON.stringify({ url: 'https://cdn.test/x.webp' }) }), 0)
  }
  await expect(api.request({ url: '/media/images', method: 'POST', filePath: 'wxfile://a.jpg' })).resolves.toEqual({
    url: 'https://cdn.test/x.webp',
  })
  expect(sent).toMatchObject({ filePath: 'wxfile://a.jpg', name: 'file', header: { Authorization: 'Bearer token-1' } })
  expect(sent.url).toBe('http://127.0.0.1:8000/api/v1/media/images')
})
