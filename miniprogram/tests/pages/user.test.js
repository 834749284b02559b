const { openPage, text, texts, tap, input, all, waitFor, find } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')

const LOGIN = { token: 't', expires_at: '2099-01-01T00:00:00Z', user: { id: 1, nickname: '', avatar_url: '' } }

test('addresses: choosing one for checkout hands it back and returns', async () => {
  const home = fixtures.address({ id: 1 })
  const office = fixtures.address({ id: 2, name: '李四', is_default: false })
  wx.setBackend({ 'POST /auth/wx-login': LOGIN, 'GET /me/addresses': [home, office] })
  const picked = []
  wx.state.openerEvents = { addressSelected: (address) => picked.push(address.id) }
  const page = await openPage('subpackages/user/addresses/index', { select: '1' })
  expect(wx.calls.titles).toEqual(['选择收货地址'])
  expect(all(page, '.addresses__card')).toHaveLength(2)
  await tap(page, '.addresses__card >>> .address-card', 1)
  expect(picked).toEqual([2])
  expect(wx.calls.navigateBack).toBe(1)
})

test('addresses: without select, tapping opens the editor; the add button opens a blank one', async () => {
  wx.setBackend({ 'POST /auth/wx-login': LOGIN, 'GET /me/addresses': [fixtures.address({ id: 3 })] })
  const page = await openPage('subpackages/user/addresses/index')
  await tap(page, '.addresses__card >>> .address-card')
  await tap(page, '.addresses__edit')
  await tap(page, '.addresses__add')
  expect(wx.calls.navigateTo).toEqual([
    '/subpackages/user/address-edit/index?addressId=3',
    '/subpackages/user/address-edit/index?addressId=3',
    '/subpackages/user/address-edit/index',
  ])
})

test('address-edit: a new address is checked, can be located on the map, and is saved', async () => {
  const bodies = []
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'POST /me/addresses': (req) => {
      bodies.push(req.data)
      return [201, Object.assign({ id: 9 }, req.data)]
    },
  })
  const { createWx } = require('../helpers/wx')
  const located = createWx({ location: { name: '腾讯滨海大厦', address: '广东省深圳市南山区海天二路33号', latitude: 22.52, longitude: 113.93 } })
  wx.chooseLocation = located.chooseLocation
  const page = await openPage('subpackages/user/address-edit/index')
  expect(wx.calls.titles).toEqual(['新增收货地址'])
  await tap(page, '.address-edit__save')
  expect(wx.calls.toasts).toEqual(['请填写收货人'])

  await input(page, '.address-edit__input--name', '王五')
  await input(page, '.address-edit__input--phone', '13912345678')
  await tap(page, '.address-edit__locate')
  await waitFor(() => text(page, '.address-edit__region') === '广东省 深圳市 南山区')
  find(page, '.address-edit__default').dispatchEvent('change', { detail: { value: true } })
  await tap(page, '.address-edit__save')
  await waitFor(() => wx.calls.navigateBack)
  expect(bodies).toEqual([
    { name: '王五', phone: '13912345678', province: '广东省', city: '深圳市', district: '南山区', detail: '海天二路33号腾讯滨海大厦', lat: 22.52, lng: 113.93, is_default: true },
  ])
})

test('address-edit: a WeChat address is imported in one tap', async () => {
  wx.setBackend({ 'POST /auth/wx-login': LOGIN })
  const page = await openPage('subpackages/user/address-edit/index')
  await tap(page, '.address-edit__import')
  await waitFor(() => text(page, '.address-edit__region') === '广东省 深圳市 南山区')
  expect(page.instance.data.form).toMatchObject({ name: '张三', phone: '13800138000', detail: '科苑路15号' })
})

test('address-edit: after the location was refused, the shopper is offered the settings page', async () => {
  wx.setBackend({ 'POST /auth/wx-login': LOGIN })
  wx.state.locationDenied = true
  const page = await openPage('subpackages/user/address-edit/index')
  await tap(page, '.address-edit__locate')
  await waitFor(() => wx.calls.modals.length, { message: 'the explanation' })
  expect(wx.calls.modals[0]).toMatchObject({ title: '需要位置权限', confirmText: '去设置' })
  await waitFor(() => wx.calls.openSetting === 1, { message: 'the settings page' })
  expect(wx.calls.toasts).toEqual([])
})

test('address-edit: an existing address is loaded, changed with the region picker, and can be deleted', async () => {
  const patches = []
  let deleted = false
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /me/addresses/3': fixtures.address({ id: 3 }),
    'PATCH /me/addresses/3': (req) => {
      patches.push(req.data)
      return fixtures.address(Object.assign({ id: 3 }, req.data))
    },
    'DELETE /me/addresses/3': () => {
      deleted = true
      return [204, undefined]
    },
  })
  const page = await openPage('subpackages/user/address-edit/index', { addressId: '3' })
  expect(text(page, '.address-edit__region')).toBe('广东省 深圳市 南山区')
  find(page, '.address-edit__picker').dispatchEvent('change', { detail: { value: ['上海市', '上海市', '浦东新区'] } })
  await tap(page, '.address-edit__save')
  await waitFor(() => patches.length)
  expect(patches[0]).toMatchObject({ province: '上海市', city: '上海市', district: '浦东新区', name: '张三' })
  await tap(page, '.address-edit__delete')
  await waitFor(() => deleted)
  await waitFor(() => wx.calls.toasts.includes('已删除'), { message: 'the page to say so' })
})

test('favorites: listed as goods cards and removable', async () => {
  const removed = []
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /me/favorites': fixtures.page([
      { goods: fixtures.goodsCard({ id: 1, title: '苹果' }), created_at: '2024-05-01T00:00:00Z' },
      { goods: fixtures.goodsCard({ id: 2, title: '香蕉' }), created_at: '2024-05-01T00:00:00Z' },
    ]),
    'DELETE /me/favorites/1': () => {
      removed.push(1)
      return [204, undefined]
    },
  })
  const page = await openPage('subpackages/user/favorites/index')
  expect(texts(page, '.favorites__card >>> .goods-card__title')).toEqual(['苹果', '香蕉'])
  await tap(page, '.favorites__remove', 0)
  await waitFor(() => all(page, '.favorites__card').length === 1)
  expect(removed).toEqual([1])
  expect(wx.calls.toasts).toEqual(['已取消收藏'])
})

test('footprints: grouped by day in shop time, and can be cleared', async () => {
  let cleared = false
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /me/footprints': () =>
      cleared
        ? fixtures.page([])
        : fixtures.page([
            { goods: fixtures.goodsCard({ id: 1 }), viewed_at: '2024-05-02T01:00:00Z' },
            { goods: fixtures.goodsCard({ id: 2 }), viewed_at: '2024-05-01T17:00:00Z' },
            { goods: fixtures.goodsCard({ id: 3 }), viewed_at: '2024-05-01T03:00:00Z' },
          ]),
    'DELETE /me/footprints': () => {
      cleared = true
      return [204, undefined]
    },
  })
  const page = await openPage('subpackages/user/footprints/index')
  expect(texts(page, '.footprints__day')).toEqual(['2024-05-02', '2024-05-01'])
  expect(all(page, '.footprints__card')).toHaveLength(3)
  await tap(page, '.footprints__clear')
  await waitFor(() => text(page, '.footprints__empty >>> .empty-state__text') === '还没有浏览记录')
})

test('profile: a new nickname and avatar are uploaded and saved', async () => {
  const patches = []
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /me': { id: 1, nickname: '演示买家', avatar_url: '', order_counts: {} },
    'PATCH /me': (req) => {
      patches.push(req.data)
      return Object.assign({ id: 1 }, req.data)
    },
  })
  const page = await openPage('subpackages/user/profile/index')
  expect(page.instance.data.nickname).toBe('演示买家')
  find(page, '.profile__avatar-button').dispatchEvent('chooseavatar', { detail: { avatarUrl: 'wxfile://tmp/avatar.png' } })
  await input(page, '.profile__nickname', '新名字')
  await tap(page, '.profile__save')
  await waitFor(() => patches.length)
  expect(patches).toEqual([{ nickname: '新名字', avatar_url: 'https://cdn.test/photo.webp' }])
  // The page is done only when it has said so and gone back (else its toast lands in the next test).
  await waitFor(() => wx.calls.navigateBack === 1, { message: 'the page to go back' })
  expect(wx.calls.toasts).toEqual(['已保存'])
})

test('profile: when the avatar cannot be uploaded the nickname is still saved and the shopper told', async () => {
  const patches = []
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /me': { id: 1, nickname: '演示买家', avatar_url: '', order_counts: {} },
    'PATCH /me': (req) => {
      patches.push(req.data)
      return Object.assign({ id: 1 }, req.data)
    },
  })
  wx.uploadFile = (opts) => setTimeout(() => opts.success({ statusCode: 404, data: '{"error":"not_found","message":"Not Found"}' }), 0)
  const page = await openPage('subpackages/user/profile/index')
  find(page, '.profile__avatar-button').dispatchEvent('chooseavatar', { detail: { avatarUrl: 'wxfile://tmp/avatar.png' } })
  await input(page, '.profile__nickname', '只改昵称')
  await tap(page, '.profile__save')
  await waitFor(() => wx.calls.toasts.length)
  expect(patches).toEqual([{ nickname: '只改昵称' }])
  expect(wx.calls.toasts).toEqual(['昵称已保存，头像上传失败，请稍后重试'])
  expect(wx.calls.navigateBack).toBe(0)
})
