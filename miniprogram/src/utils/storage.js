// Small, read-mostly data kept on the phone with an expiry (category tree, home page, the
// login token). Never used to pass data between pages.
const PREFIX = 'xd:'

function set(key, value, ttlSeconds) {
  const expiresAt = ttlSeconds ? Date.now() + ttlSeconds * 1000 : 0
  try {
    wx.setStorageSync(PREFIX + key, { value, expiresAt })
  } catch (err) {
    // Storage full or unavailable: the data is only a cache, so carry on without it.
  }
}

function remove(key) {
  try {
    wx.removeStorageSync(PREFIX + key)
  } catch (err) {
    // Nothing to remove.
  }
}

/** The stored value, or undefined when missing or expired. */
function get(key) {
  let entry
  try {
    entry = wx.getStorageSync(PREFIX + key)
  } catch (err) {
    return undefined
  }
  if (!entry || typeof entry !== 'object' || !('value' in entry)) return undefined
  if (entry.expiresAt && entry.expiresAt <= Date.now()) {
    remove(key)
    return undefined
  }
  return entry.value
}

/** Value from storage, or from `load()` (then stored for `ttlSeconds`); `refresh` skips the cache. */
async function cached(key, ttlSeconds, load, { refresh = false } = {}) {
  if (!refresh) {
    const hit = get(key)
    if (hit !== undefined) return hit
  }
  const value = await load()
  set(key, value, ttlSeconds)
  return value
}

module.exports = { get, set, remove, cached }
