// 个人资料 against the real server: a new avatar is uploaded, then saved with the nickname.
const { installShopper } = require('./support/live')
const { openPage, tap, input, waitFor } = require('../helpers/page')
const meService = require('../../src/services/me')

jest.setTimeout(60000)

test('a chosen avatar is uploaded and saved with a new nickname', async () => {
  const phone = installShopper('profile')
  const profile = await openPage('subpackages/user/profile/index')
  await waitFor(() => profile.instance.data.loaded, { timeout: 15000, message: 'the profile' })
  profile.instance.onChooseAvatar({ detail: { avatarUrl: 'wxfile://tmp/avatar.png' } })
  await input(profile, '.profile__nickname', '小区李阿姨 🍊')
  await tap(profile, '.profile__save')
  await waitFor(() => phone.calls.navigateBack > 0, { timeout: 15000, message: 'the saved profile to close' })
  const me = await meService.getMe()
  expect(me.nickname).toBe('小区李阿姨 🍊')
  expect(me.avatar_url).toMatch(/\/media\/images\/.+\.webp$/)
})
