// The `wx` of a shopper's phone for flow tests: wx.request does real HTTP to the test server,
// wx.login gets a one-time code from the WeChat simulator, and wx.requestPayment plays the
// buyer who confirms the payment in the simulator. Storage stays in memory.
const { createWx, DEVELOP_API } = require('../../helpers/wx')

const SERVER = process.env.XIAODIAN_TEST_SERVER

function buildUrl(path, query) {
  const params = Object.keys(query || {})
    .filter((key) => query[key] !== undefined && query[key] !== null)
    .map((key) => `${encodeURIComponent(key)}=${encodeURIComponent(query[key])}`)
  return params.length ? `${path}?${params.join('&')}` : path
}

/**
 * One HTTP call with a fresh connection (no kept-alive socket for the server to drop),
 * given up after `timeout` ms as WeChat gives up a wx.request.
 */
async function http(method, url, { body, headers = {}, timeout = 60000 } = {}) {
  const controller = new NodeAbortController()
  const timer = setTimeout(() => controller.abort(new Error('timeout')), timeout)
  try {
    return await exchange(method, url, { body, headers, signal: controller.signal })
  } finally {
    clearTimeout(timer)
  }
}

async function exchange(method, url, { body, headers, signal }) {
  const res = await fetch(url, {
    method,
    signal,
    headers: Object.assign({ connection: 'close' }, body === undefined ? {} : { 'content-type': 'application/json' }, headers),
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  let data = text
  try {
    data = text ? JSON.parse(text) : ''
  } catch (err) {
    // Not JSON: hand the text over as WeChat would.
  }
  return { statusCode: res.status, data }
}

/** The backend seen through wx.request; `state.offline` sends calls to a port nobody serves. */
function httpBackend(state) {
  return async (request) => {
    const base = state.offline ? 'http://127.0.0.1:9' : SERVER
    const path = request.url.startsWith(DEVELOP_API) ? `${base}/api/v1${request.path}` : request.url
    const url = request.method === 'GET' ? buildUrl(path, request.data) : path
    try {
      return await http(request.method, url, {
        body: request.method === 'GET' ? undefined : request.data,
        headers: request.header,
        timeout: request.timeout || 60000,
      })
    } catch (err) {
      const reason = err.name === 'AbortError' || /timeout/.test(String(err.message)) ? 'timeout' : err.cause ? err.cause.code : err.message
      throw { errMsg: `request:fail ${reason}` }
    }
  }
}

async function mintLoginCode(openid) {
  const res = await http('POST', `${SERVER}/sandbox/wechat/codes`, { body: { openid } })
  if (res.statusCode !== 200) throw new Error(`sandbox refused a login code: ${res.statusCode} ${JSON.stringify(res.data)}`)
  return res.data.code
}

/** The buyer confirms the payment in the simulator, as the WeChat pay sheet would. */
async function confirmPayment(params) {
  const prepayId = String(params.package || '').replace(/^prepay_id=/, '')
  const res = await http('POST', `${SERVER}/sandbox/wechat/pay/${encodeURIComponent(prepayId)}/confirm`, { body: {} })
  if (res.statusCode >= 300) throw { errMsg: `requestPayment:fail simulator answered ${res.statusCode}` }
  return { errMsg: 'requestPayment:ok' }
}

// A real 1×1 PNG: what the camera roll hands wx.uploadFile in the flows.
const PHOTO_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64'
)

/**
 * wx.uploadFile as WeChat does it: a multipart POST of the file; `data` comes back as text.
 * The body is built by hand: jsdom's FormData and Blob are not the ones Node's fetch sends.
 */
async function realUpload(opts) {
  const path = opts.url.startsWith(DEVELOP_API) ? `${SERVER}/api/v1${opts.url.slice(DEVELOP_API.length)}` : opts.url
  const boundary = `----xiaodian${Date.now()}`
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${opts.name || 'file'}"; filename="photo.png"\r\nContent-Type: image/png\r\n\r\n`),
    PHOTO_PNG,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ])
  const headers = Object.assign({}, opts.header || {}, { connection: 'close', 'content-type': `multipart/form-data; boundary=${boundary}` })
  try {
    const res = await fetch(path, { method: 'POST', body, headers })
    return { statusCode: res.status, data: await res.text() }
  } catch (err) {
    throw { errMsg: `uploadFile:fail ${err.message}` }
  }
}

/** A phone of a new shopper (unique openid), installed as the global `wx`. */
function installShopper(name) {
  const openid = `mp-flow-${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`
  const phone = createWx({
    loginCode: () => mintLoginCode(openid),
    requestPayment: confirmPayment,
    upload: realUpload,
    location: { name: '科兴科学园', address: '广东省深圳市南山区科苑路15号', latitude: 22.55, longitude: 113.94 },
  })
  phone.state.offline = false
  phone.setBackend(httpBackend(phone.state))
  phone.openid = openid
  global.wx = phone
  return phone
}

/** The merchant's side, for steps a shopper cannot do (shipping an order). */
async function merchant() {
  const login = await http('POST', `${SERVER}/api/admin/v1/auth/login`, { body: { username: 'demo', password: 'demo1234' } })
  if (login.statusCode !== 200) throw new Error(`merchant login failed: ${login.statusCode} ${JSON.stringify(login.data)}`)
  const headers = { Authorization: `Bearer ${login.data.token}` }
  return {
    ship: (orderId, carrier = '顺丰速运', trackingNo = `SF${Date.now()}`) =>
      http('POST', `${SERVER}/api/admin/v1/orders/${orderId}/ship`, { body: { carrier, tracking_no: trackingNo }, headers }),
    /** 退货退款: agree with the return address, then (once shipped back) receive it. */
    agreeToReturn: (refundId, address) => http('POST', `${SERVER}/api/admin/v1/refunds/${refundId}/agree-return`, { body: { address }, headers }),
    receiveReturn: (refundId, restock) => http('POST', `${SERVER}/api/admin/v1/refunds/${refundId}/receive`, { body: { restock }, headers }),
  }
}

module.exports = { SERVER, http, installShopper, merchant, confirmPayment }
