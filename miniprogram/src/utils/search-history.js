// The shopper's own recent searches, kept on the phone only (newest first, at most 10).
const storage = require('./storage')

const KEY = 'search-history'
const LIMIT = 10

function list() {
  const stored = storage.get(KEY)
  return Array.isArray(stored) ? stored.filter((word) => typeof word === 'string' && word) : []
}

/** Put `keyword` first (once) and return the new history. */
function add(keyword) {
  const word = (keyword || '').trim()
  if (!word) return list()
  const next = [word].concat(list().filter((old) => old !== word)).slice(0, LIMIT)
  storage.set(KEY, next)
  return next
}

function clear() {
  storage.remove(KEY)
  return []
}

module.exports = { list, add, clear, LIMIT }
