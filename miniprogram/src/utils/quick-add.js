// "+" on a goods card: a goods item with one SKU goes straight into the cart (the badge follows
// the cart's answer); one with several opens its page with the spec sheet up, in cart mode.
const goodsService = require('../services/goods')
const cartService = require('../services/cart')
const feedback = require('./feedback')
const nav = require('./nav')
const routes = require('./routes')

/** Resolves with 'added', 'picking' or 'refused' (sold out, or the server said no). */
async function quickAdd(card) {
  if (!card || !card.id) return 'refused'
  if (card.stock_left === 0) {
    feedback.toast('已售罄')
    return 'refused'
  }
  try {
    const goods = await goodsService.getGoods(card.id)
    const skus = (goods.skus || []).filter((item) => item.is_active !== false)
    if (skus.length > 1) {
      nav.go(routes.goodsDetail(card.id, { pick: 'cart' }))
      return 'picking'
    }
    if (!skus.length || skus[0].stock <= 0) {
      feedback.toast('已售罄')
      return 'refused'
    }
    await cartService.addToCart(skus[0].id, 1)
    feedback.success('已加入购物车')
    return 'added'
  } catch (err) {
    // api.request already told the shopper why (库存不足, 商品已下架 …).
    return 'refused'
  }
}

module.exports = { quickAdd }
