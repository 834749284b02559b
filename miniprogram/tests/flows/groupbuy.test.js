// 拼团 against the live demo: a leader opens a group from the goods page and pays, two friends
// join from the shared group page and pay, and all three orders become 待发货.
const { installShopper } = require('./support/live')
const { follow, nextUrl } = require('./support/journey')
const { openPage, tap, text, waitFor } = require('../helpers/page')

jest.setTimeout(90000)

const groupbuy = require('../../src/services/groupbuy')
const me = require('../../src/services/me')
const orders = require('../../src/services/orders')

const phones = {}

async function withAddress(name) {
  const phone = installShopper(`group-${name}`)
  await me.createAddress({ name: `拼团${name}`, phone: '13800138000', province: '上海市', city: '上海市', district: '浦东新区', detail: '世纪大道 1 号' })
  phones[name] = phone
  return phone
}

test('three shoppers fill a group and all three orders become 待发货', async () => {
  const leader = await withAddress('leader')
  const campaign = (await groupbuy.listCampaigns()).find((c) => c.group_size === 3)
  expect(campaign).toBeTruthy()

  const detail = await openPage('subpackages/goods/detail/index', { goodsId: String(campaign.goods.id) })
  await waitFor(() => text(detail, '.goods-detail__start-group'), { timeout: 15000, message: 'the campaign on the goods page' })
  const before = leader.calls.navigateTo.length
  await tap(detail, '.goods-detail__start-group')
  const result = await follow(await nextUrl('navigateTo', { after: before }))
  await waitFor(() => text(result, '.pay-result__title') === '支付成功', { timeout: 15000, message: "the leader's 支付成功" })
  expect(text(result, '.pay-result__invite')).toBe('邀请好友拼团')
  const redirects = leader.calls.redirectTo.length
  await tap(result, '.pay-result__invite')
  const groupPage = await follow(await nextUrl('redirectTo', { after: redirects }))
  await waitFor(() => groupPage.instance.data.group && groupPage.instance.data.group.status === 'forming', {
    timeout: 15000,
    message: 'the group to open once the leader paid',
  })
  expect(text(groupPage, '.group__headline')).toBe('还差 2 人成团')
  expect(text(groupPage, '.group__invite')).toBe('邀请好友')
  const groupId = groupPage.instance.data.group.id
  const share = groupPage.instance.onShareAppMessage()
  expect(share.path).toBe(`/subpackages/groupbuy/group/index?id=${groupId}`)
  const orderIds = { leader: groupPage.instance.data.group.my_order_id }

  for (const name of ['friend', 'other']) {
    await withAddress(name)
    const shared = await openPage('subpackages/groupbuy/group/index', { id: String(groupId) })
    await waitFor(() => text(shared, '.group__join'), { timeout: 15000, message: `${name} sees 参与拼团` })
    await tap(shared, '.group__join')
    await waitFor(() => shared.instance.data.group && shared.instance.data.group.my_order_id, { timeout: 15000, message: `${name} joined` })
    orderIds[name] = shared.instance.data.group.my_order_id
  }

  for (const name of ['leader', 'friend', 'other']) {
    global.wx = phones[name]
    const order = await waitFor(
      async () => {
        const current = await orders.getOrder(orderIds[name], { silent: true })
        return current.status === 'paid' ? current : null
      },
      { timeout: 15000, message: `${name}'s order to be 待发货` }
    )
    expect(order.status_text).toBe('待发货')
    expect(order.kind).toBe('group')
  }
  const filled = await openPage('subpackages/groupbuy/group/index', { id: String(groupId) })
  expect(text(filled, '.group__headline')).toBe('拼团成功')
})
