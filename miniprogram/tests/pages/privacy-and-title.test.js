// Privacy consent (wx.onNeedPrivacyAuthorization → the top page's <privacy-sheet>, 同意 through
// WeChat's agreePrivacyAuthorization button) and the shop's name as home's first-frame title.
const path = require('path')
const { openPage, mount, tap, all, text, waitFor } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')

function launchApp() {
  let definition = null
  global.App = (options) => {
    definition = options
  }
  jest.isolateModules(() => require(path.join(__dirname, '../../src/app.js')))
  return definition
}

/** What WeChat does before a privacy API runs: ask our listener, wait for the answer. */
function weChatAsksForConsent() {
  return new Promise((resolve) => wx.state.privacyListener(resolve))
}

beforeEach(() => {
  wx.setBackend({ 'POST /auth/wx-login': { token: 't', expires_at: '2099-01-01T00:00:00Z', user: { id: 1, nickname: '', avatar_url: '' } } })
})

test('the app listens for WeChat’s consent request on launch', () => {
  launchApp().onLaunch({})
  expect(typeof wx.state.privacyListener).toBe('function')
})

// The app's copy of utils/privacy is its own (isolated modules); pages share this one.
const privacy = require('../../src/utils/privacy')

test('the address editor shows the consent sheet; 同意 tells WeChat with the button’s id', async () => {
  privacy.install()
  const page = await openPage('subpackages/user/address-edit/index')
  expect(all(page, '.privacy >>> .privacy-sheet')).toHaveLength(0)
  const answer = weChatAsksForConsent()
  await waitFor(() => all(page, '.privacy >>> .privacy-sheet').length === 1)
  await waitFor(() => text(page, '.privacy >>> .privacy-sheet__contract') === '《小店隐私保护指引》')
  const agree = all(page, '.privacy >>> .privacy-sheet__agree')[0]
  const attrs = Object.fromEntries(agree.dom.__wxElement._vt.attrs.map((attr) => [attr.name, attr.value]))
  expect(attrs.openType).toBe('agreePrivacyAuthorization')
  agree.dispatchEvent('agreeprivacyauthorization')
  expect(await answer).toEqual({ event: 'agree', buttonId: 'privacy-agree' })
  await waitFor(() => all(page, '.privacy >>> .privacy-sheet').length === 0)
})

test('不同意 tells WeChat no and closes the sheet; the guide opens from its name', async () => {
  privacy.install()
  const page = await openPage('subpackages/user/profile/index')
  const answer = weChatAsksForConsent()
  await waitFor(() => all(page, '.privacy >>> .privacy-sheet').length === 1)
  await tap(page, '.privacy >>> .privacy-sheet__contract')
  expect(wx.calls.privacyContracts).toBe(1)
  await tap(page, '.privacy >>> .privacy-sheet__refuse')
  expect(await answer).toEqual({ event: 'disagree' })
  expect(all(page, '.privacy >>> .privacy-sheet')).toHaveLength(0)
})

test('with no sheet on the page on top, WeChat hears no at once instead of waiting forever', async () => {
  privacy.install()
  expect(await weChatAsksForConsent()).toEqual({ event: 'disagree' })
  const page = mount('subpackages/order/review/index', { orderId: '4' })
  const answer = weChatAsksForConsent()
  await waitFor(() => all(page, '.privacy >>> .privacy-sheet').length === 1)
  all(page, '.privacy >>> .privacy-sheet__agree')[0].dispatchEvent('agreeprivacyauthorization')
  expect((await answer).event).toBe('agree')
})

test('home is titled with the shop’s name from the last visit before /home answers', async () => {
  let release
  wx.setBackend({ 'GET /home': () => new Promise((resolve) => (release = () => resolve(fixtures.home({ shop: { name: '鲜果小铺', service_phone: '' } })))) })
  const first = mount('pages/home/index')
  const loading = first.instance.onLoad()
  await waitFor(() => release)
  expect(wx.calls.titles).toEqual([])
  release()
  await loading
  expect(wx.calls.titles).toEqual(['鲜果小铺'])

  wx.calls.titles.splice(0)
  wx.removeStorageSync('xd:home') // the home answer's own cache is short; the name outlives it
  release = null
  const again = mount('pages/home/index')
  const reloading = again.instance.onLoad()
  await waitFor(() => release)
  expect(wx.calls.titles).toEqual(['鲜果小铺'])
  release()
  await reloading
  expect(wx.calls.titles).toEqual(['鲜果小铺'])
})
