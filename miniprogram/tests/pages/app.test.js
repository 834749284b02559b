const path = require('path')
const { waitFor } = require('../helpers/page')

function launchApp() {
  let definition = null
  global.App = (options) => {
    definition = options
  }
  jest.isolateModules(() => require(path.join(__dirname, '../../src/app.js')))
  return definition
}

test('the app logs in on launch and keeps the token for later calls', async () => {
  wx.setBackend({
    'POST /auth/wx-login': (req) => ({ token: `token-for-${req.data.code}`, expires_at: '2099-01-01T00:00:00Z', user: { id: 1, nickname: '买家', avatar_url: '' } }),
  })
  const app = launchApp()
  app.onLaunch()
  const api = require('../../src/utils/api')
  await waitFor(() => api.token())
  expect(wx.calls.logins).toBe(1)
  expect(wx.calls.requests[0]).toMatchObject({ method: 'POST', path: '/auth/wx-login', data: { code: 'code-1' } })
  expect(api.token()).toBe('token-for-code-1')
})

test('a failed login on launch is quiet; the next call logs in when it needs to', async () => {
  wx.setBackend({ 'POST /auth/wx-login': [503, { error: 'upstream_unavailable', message: '微信服务暂时不可用' }] })
  const app = launchApp()
  app.onLaunch()
  await waitFor(() => wx.calls.requests.length === 1)
  await new Promise((resolve) => setTimeout(resolve, 20))
  expect(wx.calls.toasts).toEqual([])
})
