// Every call answers the whole cart; each answer also updates the cart badge.
const api = require('../utils/api')
const badge = require('../utils/cart-badge')

const counted = (request) => request.then(badge.fromCart)

module.exports = {
  getCart: (options = {}) => counted(api.request({ url: '/cart', silent: options.silent })),
  addToCart: (skuId, quantity) =>
    counted(api.request({ url: '/cart/items', method: 'POST', data: { sku_id: skuId, quantity }, loading: '加入中' })),
  updateCartItem: (itemId, changes) =>
    counted(api.request({ url: `/cart/items/${itemId}`, method: 'PATCH', data: changes })),
  removeCartItem: (itemId) => counted(api.request({ url: `/cart/items/${itemId}`, method: 'DELETE', loading: true })),
  selectAll: (selected) => counted(api.request({ url: '/cart/select', method: 'POST', data: { selected }, retry: true })),
}
