// Display formatting. Money arrives as integer fen and is turned into yuan text with integer
// maths only; format.wxs is the WXML twin of formatPrice/formatCount (a test keeps them equal).

function formatPrice(fen) {
  if (typeof fen !== 'number' || fen !== fen) return '--'
  const whole = Math.round(fen)
  const abs = whole < 0 ? -whole : whole
  const cents = abs % 100
  const yuan = (abs - cents) / 100
  return (whole < 0 ? '-' : '') + yuan + '.' + (cents < 10 ? '0' : '') + cents
}

/** 8 → "8", 12345 → "1.2万", 20000 → "2万"; used for sales and review counts. */
function formatCount(count) {
  if (typeof count !== 'number' || count !== count) return '0'
  if (count < 10000) return String(Math.floor(count))
  const tenths = Math.floor(count / 1000)
  const rest = tenths % 10
  return (tenths - rest) / 10 + (rest ? '.' + rest : '') + '万'
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?$/
const SHOP_OFFSET_MS = 8 * 3600 * 1000 // Asia/Shanghai, no daylight saving

/** Milliseconds since the epoch for an ISO-8601 time (no offset = UTC), or NaN. */
function parseTime(text) {
  const m = ISO.exec(String(text || ''))
  if (!m) return NaN
  const millis = m[7] ? Number((m[7] + '00').slice(0, 3)) : 0
  let ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0), millis)
  const zone = m[8]
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1
    const digits = zone.slice(1).replace(':', '')
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60000
  }
  return ms
}

function pad(n) {
  return n < 10 ? '0' + n : String(n)
}

/** "2024-05-01T04:05:00Z" → "2024-05-01 12:05" in the shop's time zone. */
function formatTime(text, withDate = true) {
  const ms = parseTime(text)
  if (ms !== ms) return ''
  const d = new Date(ms + SHOP_OFFSET_MS)
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
  return withDate ? `${date} ${time}` : time
}

function formatDate(text) {
  return formatTime(text).slice(0, 10)
}

/** 125000 → "02:05", 3725000 → "1:02:05"; never negative. */
function formatCountdown(ms) {
  const total = Math.max(0, Math.floor(ms / 1000))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  return (h ? h + ':' : '') + pad(m) + ':' + pad(s)
}

/** "12" → 1200, "12.5" → 1250, "0.05" → 5; null for anything that is not a yuan amount. */
function yuanToFen(text) {
  const m = /^\s*(\d{1,9})(?:\.(\d{0,2}))?\s*$/.exec(String(text === undefined || text === null ? '' : text))
  if (!m) return null
  return Number(m[1]) * 100 + Number(((m[2] || '') + '00').slice(0, 2))
}

module.exports = { formatPrice, formatCount, parseTime, formatTime, formatDate, formatCountdown, yuanToFen }
