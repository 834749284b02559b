const api = require('../utils/api')

module.exports = {
  /** {keywords}: most searched lately, then best sellers. */
  hotKeywords: () => api.request({ url: '/search/hot', auth: 'optional', silent: true }),
  /** {keywords}: titles matching what is typed so far; not counted as a search. */
  suggestions: (q) => api.request({ url: '/search/suggestions', data: { q }, auth: 'optional', silent: true }),
}
