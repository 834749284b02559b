// Promotion slots on the home page come from whatever the home API lists under `promotions`
// (flash sales, group buys, later more). Each entry is shown as a goods card; an activity
// subpackage can later give a slot its own page without changing this shape.
const routes = require('../../utils/routes')

// A slot whose activity has its own list page links to it (更多 ›).
const MORE = {
  group_buys: routes.groupBuyList(),
  flash_sales: routes.flashSales(),
}

const TITLES = {
  flash_sales: '限时秒杀',
  group_buys: '拼团优惠',
}

function toCard(entry) {
  const goods = entry.goods || {}
  const pick = (key) => (entry[key] !== undefined && entry[key] !== null ? entry[key] : goods[key])
  return {
    id: entry.goods_id || goods.id || entry.id,
    title: pick('title'),
    subtitle: pick('subtitle'),
    cover_url: pick('cover_url'),
    price_fen: pick('price_fen'),
    // An activity price on the entry is compared with the goods' everyday price.
    market_price_fen: entry.price_fen !== undefined && goods.price_fen !== undefined ? goods.price_fen : pick('market_price_fen'),
    sales: pick('sales') || 0,
    stock_left: pick('stock_left'),
  }
}

/** [{key, title, items: [GoodsCard-like]}] for every non-empty list in `promotions`. */
function promotionSlots(promotions) {
  return Object.keys(promotions || {})
    .filter((key) => Array.isArray(promotions[key]) && promotions[key].length > 0)
    .map((key) => ({ key, title: TITLES[key] || '活动专区', more: MORE[key] || '', items: promotions[key].map(toCard) }))
}

module.exports = { promotionSlots }
