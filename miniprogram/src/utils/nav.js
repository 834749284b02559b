// Page navigation that picks the right wx API: tab pages need switchTab, and a full page
// stack (10 pages) falls back to redirectTo instead of failing silently.
const routes = require('./routes')

function go(url, options = {}) {
  if (routes.isTab(url)) {
    wx.switchTab({ url: url.split('?')[0] })
    return
  }
  wx.navigateTo({
    url,
    events: options.events,
    fail: () => wx.redirectTo({ url }),
  })
}

function redirect(url) {
  if (routes.isTab(url)) wx.switchTab({ url: url.split('?')[0] })
  else wx.redirectTo({ url })
}

function back(fallbackUrl = routes.TABS.home) {
  wx.navigateBack({ delta: 1, fail: () => redirect(fallbackUrl) })
}

/** Where a home banner leads: a goods page, a category's goods, an in-app path, or a copied link. */
function openLink(linkType, linkValue) {
  if (linkType === 'goods' && linkValue) go(routes.goodsDetail(linkValue))
  else if (linkType === 'category' && linkValue) go(routes.goodsList({ categoryId: linkValue }))
  else if (linkType === 'url' && /^\//.test(linkValue || '')) go(linkValue)
  else if (linkType === 'url' && linkValue) {
    wx.setClipboardData({ data: linkValue, success: () => wx.showToast({ title: '链接已复制，可在浏览器打开', icon: 'none' }) })
  }
}

module.exports = { go, redirect, back, openLink }
