// What a page hands WeChat when it is shared: to a chat (onShareAppMessage: a path) or to
// 朋友圈 (onShareTimeline: the same page opened with a query). Empty parts are left out, so
// WeChat falls back to its own (a screenshot of the page) instead of a broken picture.
const routes = require('./routes')

function compact(share) {
  return Object.keys(share).reduce((kept, key) => {
    if (share[key]) kept[key] = share[key]
    return kept
  }, {})
}

/** For onShareTimeline: `query` is an object ({goodsId: 7}), sent as "goodsId=7". */
function timeline({ title, query, imageUrl }) {
  return compact({ title, query: routes.withQuery('', query || {}).replace(/^\?/, ''), imageUrl })
}

/** For onShareAppMessage. */
function message({ title, path, imageUrl }) {
  return compact({ title, path, imageUrl })
}

/** Shows both share entries in the page's "···" menu (朋友圈 needs asking for). */
function showMenus() {
  wx.showShareMenu({ withShareTicket: false, menus: ['shareAppMessage', 'shareTimeline'], fail: () => {} })
}

module.exports = { timeline, message, showMenus }
