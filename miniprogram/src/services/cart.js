const api = require('../utils/api')

module.exports = {
  getCart: (options = {}) => api.request({ url: '/cart', silent: options.silent }),
  addToCart: (skuId, quantity) =>
    api.request({ url: '/cart/items', method: 'POST', data: { sku_id: skuId, quantity }, loading: '加入中' }),
  updateCartItem: (itemId, changes) => api.request({ url: `/cart/items/${itemId}`, method: 'PATCH', data: changes }),
  removeCartItem: (itemId) => api.request({ url: `/cart/items/${itemId}`, method: 'DELETE', loading: true }),
  selectAll: (selected) => api.request({ url: '/cart/select', method: 'POST', data: { selected }, retry: true }),
}
