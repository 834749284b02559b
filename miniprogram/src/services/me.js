const api = require('../utils/api')

module.exports = {
  getMe: (options = {}) => api.request({ url: '/me', silent: options.silent }),
  updateMe: (changes) => api.request({ url: '/me', method: 'PATCH', data: changes, loading: '保存中' }),

  listAddresses: (options = {}) => api.request({ url: '/me/addresses', silent: options.silent }),
  getAddress: (addressId) => api.request({ url: `/me/addresses/${addressId}` }),
  createAddress: (address) => api.request({ url: '/me/addresses', method: 'POST', data: address, loading: '保存中' }),
  updateAddress: (addressId, changes) =>
    api.request({ url: `/me/addresses/${addressId}`, method: 'PATCH', data: changes, loading: '保存中' }),
  deleteAddress: (addressId) => api.request({ url: `/me/addresses/${addressId}`, method: 'DELETE', loading: true }),

  listFavorites: (page, pageSize) => api.request({ url: '/me/favorites', data: { page, page_size: pageSize } }),
  addFavorite: (goodsId) => api.request({ url: '/me/favorites', method: 'POST', data: { goods_id: goodsId }, retry: true }),
  removeFavorite: (goodsId) => api.request({ url: `/me/favorites/${goodsId}`, method: 'DELETE' }),

  listFootprints: (page, pageSize) => api.request({ url: '/me/footprints', data: { page, page_size: pageSize } }),
  clearFootprints: () => api.request({ url: '/me/footprints', method: 'DELETE', loading: true }),
}
