// The home page and the category tree change rarely: kept on the phone for a few minutes.
const api = require('../utils/api')
const storage = require('../utils/storage')

const HOME_TTL_SECONDS = 300
const CATEGORIES_TTL_SECONDS = 600

module.exports = {
  /** `silent` for a page that only borrows a detail of it (the shop's phone, the free-freight line). */
  getHome: ({ refresh = false, silent = false } = {}) =>
    storage.cached('home', HOME_TTL_SECONDS, () => api.request({ url: '/home', auth: 'optional', silent }), { refresh }),
  getCategories: ({ refresh = false } = {}) =>
    storage.cached('categories', CATEGORIES_TTL_SECONDS, () => api.request({ url: '/categories', auth: 'optional' }), {
      refresh,
    }),
}
