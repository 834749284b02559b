// 到货提醒 on the goods page: ask WeChat for the "restocked" subscribe message (one-time), then
// tell the shop which SKU the shopper waits for; the shop sends the message once stock returns.
const goodsService = require('../../../services/goods')
const wechatService = require('../../../services/wechat')
const feedback = require('../../../utils/feedback')

/** Resolves with the SKU ids of this goods item the shopper waits for, or null on failure. */
async function remind(page, skuId) {
  if (page.data.reminded.includes(skuId)) {
    feedback.toast('已设置到货提醒，到货后通知您')
    return page.data.reminded
  }
  await wechatService.askFor(['restocked'])
  try {
    const answer = await goodsService.remindRestock(skuId)
    page.setData({ reminded: answer.sku_ids || [] })
    feedback.toast('已设置到货提醒，到货后通知您')
    return answer.sku_ids || []
  } catch (err) {
    return null // api.request already said why (e.g. 该规格有货，可以直接购买)
  }
}

module.exports = { remind }
