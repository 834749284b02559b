const api = require('../utils/api')

module.exports = {
  /** Coupons one may claim now; with goodsId, only those that apply to that goods item. */
  listClaimable: (goodsId, options = {}) =>
    api.request({ url: '/coupons', data: goodsId ? { goods_id: goodsId } : {}, silent: options.silent }),
  claim: (couponId) => api.request({ url: `/coupons/${couponId}/claim`, method: 'POST', loading: '领取中' }),
  redeem: (code) => api.request({ url: '/coupons/redeem', method: 'POST', data: { code }, loading: '兑换中' }),
  /** status: usable | used | expired. */
  listMine: (status, page, pageSize, options = {}) =>
    api.request({ url: '/me/coupons', data: { status, page, page_size: pageSize }, silent: options.silent }),
}
