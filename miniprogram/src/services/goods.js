const api = require('../utils/api')

module.exports = {
  /** query: {category_id, q, min_price_fen, max_price_fen, sort, order, page, page_size} */
  listGoods: (query) => api.request({ url: '/goods', data: query, auth: 'optional' }),
  getGoods: (goodsId) => api.request({ url: `/goods/${goodsId}`, auth: 'optional' }),
  remindRestock: (skuId) => api.request({ url: '/restock-reminders', method: 'POST', data: { sku_id: skuId } }),
  listReviews: (goodsId, page, pageSize) =>
    api.request({ url: `/goods/${goodsId}/reviews`, data: { page, page_size: pageSize }, auth: 'optional' }),
}
