// The WeChat platform around the shop: subscribe-message grants, share codes, express tracking.
const api = require('../utils/api')
const config = require('../config')

let templatesCache = null

function templates() {
  if (templatesCache) return Promise.resolve(templatesCache)
  return api.request({ url: '/me/subscriptions', silent: true }).then((answer) => {
    templatesCache = answer.templates || {}
    return templatesCache
  })
}

function requestSubscribe(tmplIds) {
  return new Promise((resolve) => {
    if (!tmplIds.length || typeof wx.requestSubscribeMessage !== 'function') return resolve({})
    wx.requestSubscribeMessage({
      tmplIds,
      success: (res) => resolve(res || {}),
      fail: () => resolve({}), // 20004: the shopper turned subscriptions off; nothing to report
    })
  })
}

/** Ask for the templates of these events (at most 3 per call, all one-time), then tell the
 * backend what the shopper answered: it counts one message per "accept". Never throws. */
async function askFor(events) {
  try {
    const byEvent = await templates()
    const tmplIds = events.map((event) => byEvent[event]).filter(Boolean).slice(0, 3)
    if (!tmplIds.length) return {}
    const result = await requestSubscribe(tmplIds)
    const answers = {}
    tmplIds.forEach((id) => {
      if (['accept', 'reject', 'ban', 'filter'].includes(result[id])) answers[id] = result[id]
    })
    if (!Object.keys(answers).length) return {}
    return await api.request({ url: '/me/subscriptions', method: 'POST', data: answers, silent: true })
  } catch (err) {
    return {}
  }
}

/** Download a share code image to a local temp file (the shopper's token authorises it). */
function downloadShareCode(kind, id) {
  return new Promise((resolve, reject) => {
    wx.downloadFile({
      url: `${config.apiBase()}/share-codes/${kind}/${id}`,
      header: { Authorization: `Bearer ${api.token()}` },
      success: (res) => (res.statusCode === 200 ? resolve(res.tempFilePath) : reject(new Error(`share code ${res.statusCode}`))),
      fail: (err) => reject(new Error((err && err.errMsg) || 'download failed')),
    })
  })
}

module.exports = {
  downloadShareCode,
  askFor,
  afterPay: () => askFor(['shipped', 'delivering', 'delivered']),
  // a group order's news first: 拼团成功 / 拼团失败 (refunded), then its shipping
  afterGroupPay: () => askFor(['group_filled', 'group_failed', 'shipped']),
  remindMe: (event) => askFor([event]),
  shareCodeUrl: (kind, id) => `/share-codes/${kind}/${id}`,
  tracking: (orderId) => api.request({ url: `/orders/${orderId}/tracking`, silent: true }),
  resetForTests: () => {
    templatesCache = null
  },
}
