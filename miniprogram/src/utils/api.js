// The only way the app talks to the backend. Resolves with the JSON body on 2xx and rejects
// with ApiError{code, message, httpStatus} otherwise; shows at most one error toast per call
// (unless `silent`). On 401 one shared wx.login runs and the call is retried once; a call
// that never reached the server is retried once when repeating it is harmless.
const config = require('../config')
const storage = require('./storage')
const feedback = require('./feedback')
const { ApiError, messageFor } = require('./errors')

const SESSION_KEY = 'session'
let loginInFlight = null

function session() {
  return storage.get(SESSION_KEY) || null
}

function token() {
  const current = session()
  return current ? current.token : ''
}

function compact(data) {
  const result = {}
  Object.keys(data || {}).forEach((key) => {
    const value = data[key]
    if (value !== undefined && value !== null && value !== '') result[key] = value
  })
  return result
}

function networkError(err) {
  const detail = (err && err.errMsg) || ''
  const code = /timeout|timed out|超时/i.test(detail) ? 'TIMEOUT' : 'NETWORK'
  return new ApiError({ code, message: messageFor(code), details: detail })
}

function errorFromResponse(res) {
  const body = res.data && typeof res.data === 'object' ? res.data : {}
  const code = body.error || (res.statusCode >= 500 ? 'SERVER_ERROR' : `http_${res.statusCode}`)
  return new ApiError({
    code,
    message: messageFor(code, body.message),
    httpStatus: res.statusCode,
    details: body.details || null,
  })
}

function parseJson(text) {
  try {
    return typeof text === 'string' ? JSON.parse(text) : text
  } catch (err) {
    return text
  }
}

/** One HTTP exchange through wx.request (or wx.uploadFile when there is a file). */
function send({ url, method, data, header, filePath, fileField }) {
  return new Promise((resolve, reject) => {
    const fullUrl = /^https?:\/\//.test(url) ? url : config.apiBase() + url
    const fail = (err) => reject(networkError(err))
    if (filePath) {
      wx.uploadFile({
        url: fullUrl,
        filePath,
        name: fileField || 'file',
        formData: data,
        header,
        timeout: config.requestTimeoutMs,
        success: (res) => resolve({ statusCode: res.statusCode, data: parseJson(res.data) }),
        fail,
      })
      return
    }
    wx.request({
      url: fullUrl,
      method,
      data: method === 'GET' ? compact(data) : data,
      header: Object.assign({ 'content-type': 'application/json' }, header),
      timeout: config.requestTimeoutMs,
      dataType: 'json',
      success: resolve,
      fail,
    })
  })
}

function wxLoginCode() {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (res) => (res.code ? resolve(res.code) : reject(new ApiError({ code: 'LOGIN_FAILED' }))),
      fail: () => reject(new ApiError({ code: 'LOGIN_FAILED' })),
    })
  })
}

async function loginOnce() {
  const code = await wxLoginCode()
  const res = await send({ url: '/auth/wx-login', method: 'POST', data: { code } })
  if (res.statusCode < 200 || res.statusCode >= 300) throw errorFromResponse(res)
  const body = res.data
  const expiresAt = Date.parse(body.expires_at)
  const ttlSeconds = expiresAt > Date.now() ? Math.floor((expiresAt - Date.now()) / 1000) : 0
  storage.set(SESSION_KEY, { token: body.token, user: body.user }, ttlSeconds)
  return body
}

/** Logs in with wx.login; concurrent callers share one login. */
function login() {
  if (!loginInFlight) {
    loginInFlight = loginOnce().then(
      (body) => {
        loginInFlight = null
        return body
      },
      (err) => {
        loginInFlight = null
        throw err
      }
    )
  }
  return loginInFlight
}

function normalize(options) {
  const method = (options.method || 'GET').toUpperCase()
  const header = Object.assign({}, options.header)
  const hasIdempotencyKey = Object.keys(header).some((k) => k.toLowerCase() === 'idempotency-key')
  return {
    url: options.url,
    method,
    data: options.data,
    header,
    filePath: options.filePath,
    fileField: options.fileField,
    auth: options.auth === undefined ? true : options.auth,
    loading: options.loading || false,
    silent: !!options.silent,
    // A POST without an idempotency key may have reached the server: never send it twice.
    retry: options.retry === undefined ? method !== 'POST' || hasIdempotencyKey : options.retry,
  }
}

async function perform(opts) {
  let networkRetried = false
  let authRetried = false
  for (;;) {
    if (opts.auth === true && !token()) await login()
    // A public call made while the launch login runs waits for it, so it is made as the shopper.
    if (opts.auth === 'optional' && !token() && loginInFlight) await loginInFlight.catch(() => null)
    const sentToken = opts.auth ? token() : ''
    const header = sentToken ? Object.assign({ Authorization: `Bearer ${sentToken}` }, opts.header) : opts.header
    let res
    try {
      res = await send(Object.assign({}, opts, { header }))
    } catch (err) {
      if (err.code === 'NETWORK' && opts.retry && !networkRetried) {
        networkRetried = true
        continue
      }
      throw err
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return res.data === '' ? null : res.data
    if (res.statusCode === 401 && opts.auth && !authRetried) {
      authRetried = true
      // Another call may already have logged in again since this one was sent.
      if (token() === sentToken) {
        storage.remove(SESSION_KEY)
        await login()
      }
      continue
    }
    throw errorFromResponse(res)
  }
}

/**
 * request({url, method, data, auth, loading, silent, header, retry, filePath, fileField})
 * auth: true (log in first if needed), 'optional' (send the token when there is one), false.
 * loading: true or a title to show the loading indicator while the call runs.
 * filePath: upload that local file (multipart field `fileField`, default "file") instead.
 */
async function request(options) {
  const opts = normalize(options)
  if (opts.loading) feedback.showLoading(typeof opts.loading === 'string' ? opts.loading : '加载中')
  let loadingShown = !!opts.loading
  try {
    return await perform(opts)
  } catch (err) {
    const apiError = err instanceof ApiError ? err : new ApiError({ code: 'UNKNOWN', details: String(err) })
    if (loadingShown) {
      loadingShown = false
      feedback.hideLoading()
    }
    if (!opts.silent) feedback.toast(apiError.message)
    throw apiError
  } finally {
    if (loadingShown) feedback.hideLoading()
  }
}

function currentUser() {
  const current = session()
  return current ? current.user : null
}

module.exports = { request, login, token, currentUser, ApiError }
