// 拼团: running campaigns, one campaign with its open groups, opening and joining a group
// (each makes an ordinary order, paid like any other), and a group anyone can look at.
const api = require('../utils/api')

module.exports = {
  listCampaigns: (goodsId, options = {}) =>
    api.request({ url: '/group-buys', data: { goods_id: goodsId }, auth: false, silent: options.silent }),
  getCampaign: (campaignId, options = {}) =>
    api.request({ url: `/group-buys/${campaignId}`, auth: false, silent: options.silent }),
  openGroup: (campaignId, body) =>
    api.request({ url: `/group-buys/${campaignId}/groups`, method: 'POST', data: body, loading: '正在开团' }),
  joinGroup: (groupId, body) =>
    api.request({ url: `/groups/${groupId}/join`, method: 'POST', data: body, loading: '正在参团' }),
  /** No login needed (a shared link works); logged in, the answer names our own order. */
  getGroup: (groupId, options = {}) => api.request({ url: `/groups/${groupId}`, auth: 'optional', silent: options.silent }),
  groupOfOrder: (orderId, options = {}) => api.request({ url: `/orders/${orderId}/group`, silent: options.silent }),
}
