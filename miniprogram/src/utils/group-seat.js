// Taking a seat in a group: the shopper's default address, the order (opening a new group or
// joining one), then WeChat Pay. Resolves {group, order, paid} or null when it could not start
// (no address yet: the address book opens). API errors were already shown by api.request.
const groupbuy = require('../services/groupbuy')
const meService = require('../services/me')
const payments = require('../services/payments')
const wechat = require('../services/wechat')
const feedback = require('./feedback')
const nav = require('./nav')
const routes = require('./routes')

async function defaultAddress() {
  const addresses = await meService.listAddresses({ silent: true })
  return addresses.find((address) => address.is_default) || addresses[0] || null
}

/** `skus` of a campaign: the chosen one, asking with an action sheet when there are several. */
function chooseSku(skus) {
  const available = (skus || []).filter((sku) => sku.stock > 0)
  if (available.length <= 1) return Promise.resolve(available[0] || null)
  return new Promise((resolve) => {
    wx.showActionSheet({
      itemList: available.map((sku) => `${sku.spec_text || '默认'} ¥${(sku.group_price_fen / 100).toFixed(2)}`),
      success: (res) => resolve(available[res.tapIndex]),
      fail: () => resolve(null),
    })
  })
}

async function takeSeat({ campaignId, groupId, skus }) {
  const sku = await chooseSku(skus)
  if (!sku) {
    feedback.toast('拼团商品已售罄')
    return null
  }
  const address = await defaultAddress()
  if (!address) {
    feedback.toast('请先添加收货地址')
    nav.go(routes.addresses({ select: 1 }))
    return null
  }
  const body = { sku_id: sku.sku_id, quantity: 1, address_id: address.id }
  const created = groupId ? await groupbuy.joinGroup(groupId, body) : await groupbuy.openGroup(campaignId, body)
  const result = await payments.payOrder(created.order.id)
  // right after the payment callback WeChat lets us ask for subscribe messages
  if (result.status === 'paid') wechat.afterGroupPay().catch(() => {})
  else feedback.toast('未完成支付，可在订单中继续支付')
  return { group: created.group, order: created.order, paid: result.status === 'paid' }
}

module.exports = { takeSeat, chooseSku }
