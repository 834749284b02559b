// The number of units in the cart: on the 购物车 tab (a badge) and on the goods page's cart icon.
// Every cart answer from the server updates it; it is kept on the phone between launches.
const KEY = 'cartCount'
const app = require('../app.json')

const CART_TAB = app.tabBar.list.findIndex((tab) => tab.pagePath === 'pages/cart/index')

function count() {
  return Number(wx.getStorageSync(KEY)) || 0
}

/** The badge as "n" (99+ past 99), or '' for an empty cart. */
function badgeText(units) {
  if (units <= 0) return ''
  return units > 99 ? '99+' : String(units)
}

function show(units) {
  wx.setStorageSync(KEY, units)
  const text = badgeText(units)
  // Only a tab page may set the tab bar's badge; elsewhere WeChat answers fail (ignored).
  const done = () => {}
  if (text) wx.setTabBarBadge({ index: CART_TAB, text, fail: done })
  else wx.removeTabBarBadge({ index: CART_TAB, fail: done })
}

/** From a cart the server answered with (every line's quantity, selected or not). */
function fromCart(cart) {
  const units = ((cart && cart.items) || []).reduce((sum, item) => sum + (item.quantity || 0), 0)
  show(units)
  return cart
}

module.exports = { count, show, fromCart, badgeText, CART_TAB }
