// How a coupon's terms read on a card: 满 ¥99 减 ¥10, 9 折 最多减 ¥20, 无门槛 …
const { formatPrice } = require('./format')

const SCOPES = { all: '全店通用', categories: '指定分类可用', goods: '指定商品可用', all_except: '部分商品不可用' }

function yuan(fen) {
  const text = formatPrice(fen)
  return text.endsWith('.00') ? text.slice(0, -3) : text
}

function day(iso) {
  return iso ? iso.slice(0, 10).replace(/-/g, '.') : ''
}

/** {amount, unit, condition, scope, validity} for a coupon or a user coupon. */
function describe(coupon) {
  const percent = coupon.kind === 'percent'
  let condition = '无门槛'
  if (coupon.kind === 'threshold') condition = `满 ¥${yuan(coupon.threshold_fen)} 可用`
  if (percent && coupon.cap_fen) condition = `最多减 ¥${yuan(coupon.cap_fen)}`
  let validity = ''
  if (coupon.expires_at) validity = `有效期至 ${day(coupon.expires_at)}`
  else if (coupon.valid_days) validity = `领取后 ${coupon.valid_days} 天内有效`
  else if (coupon.valid_until) validity = `${day(coupon.valid_until)} 前有效`
  return {
    amount: percent ? String((100 - coupon.percent_off) / 10) : yuan(coupon.discount_fen),
    unit: percent ? '折' : '元',
    condition,
    scope: SCOPES[(coupon.scope && coupon.scope.type) || 'all'],
    validity,
  }
}

/** View data for a card: the coupon, how it reads, and its button. */
function card(coupon, extra = {}) {
  return Object.assign({ id: coupon.id, name: coupon.name }, describe(coupon), extra)
}

module.exports = { describe, card }
