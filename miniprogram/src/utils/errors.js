// One table from error codes to what the shopper reads. The backend sends
// {"error": code, "message": ...}; NETWORK and TIMEOUT are ours.
const MESSAGES = {
  // Ours: the call never got an answer.
  NETWORK: '网络异常，请检查网络后重试',
  TIMEOUT: '网络超时，请检查网络后重试',
  LOGIN_FAILED: '微信登录失败，请稍后重试',
  UNKNOWN: '操作失败，请稍后重试',
  // Everywhere.
  bad_request: '请求有误，请刷新后重试',
  validation_error: '填写的信息有误，请检查后重试',
  unauthorized: '登录已失效，请重新打开小程序',
  forbidden: '没有权限进行此操作',
  not_found: '内容不存在或已删除',
  conflict: '数据已变化，请刷新后重试',
  rate_limited: '操作太频繁，请稍后再试',
  limit_exceeded: '超出数量限制',
  busy: '系统繁忙，请稍后重试',
  server_error: '服务器开小差了，请稍后重试',
  upstream_unavailable: '服务暂时不可用，请稍后重试',
  // Login.
  invalid_login_code: '登录已过期，请重新打开小程序',
  login_blocked: '该微信账号暂时无法登录',
  login_rate_limited: '登录太频繁，请稍后再试',
  wechat_busy: '微信服务繁忙，请稍后重试',
  wechat_error: '微信登录失败，请稍后重试',
  // Goods and cart.
  goods_not_found: '商品不存在或已下架',
  sku_not_found: '该规格已不存在，请重新选择',
  goods_off_shelf: '商品已下架',
  out_of_stock: '库存不足',
  quantity_limit: '单件商品最多购买 999 件',
  cart_full: '购物车已满，请先结算或删除一些商品',
  cart_item_not_found: '购物车商品已不存在，请刷新',
  // Addresses and orders.
  address_not_found: '收货地址不存在，请重新选择',
  address_required: '请选择收货地址',
  too_many_addresses: '收货地址最多 20 个，请先删除不用的地址',
  empty_checkout: '请先选择要结算的商品',
  order_not_found: '订单不存在',
  order_not_pending: '订单状态已变化，请刷新',
  order_state_conflict: '订单状态已变化，请刷新',
  idempotency_key_reused: '订单信息已变化，请重新提交',
  invalid_idempotency_key: '提交失败，请重新进入结算页',
  // Payment and after-sale.
  payment_failed: '支付失败，请稍后重试',
  payment_unavailable: '支付暂时不可用，请检查网络后重试',
  payment_channel_unavailable: '商家暂未开通微信支付',
  refund_not_allowed: '该订单当前不能申请退款',
  refund_state_conflict: '退款申请已处理，请刷新后查看',
  not_reviewable: '订单完成后才能评价',
  already_reviewed: '已经评价过了',
}

const FALLBACK = '操作失败，请稍后重试'

/** What to show for `code`: the table first, then the server's own message, then a fallback. */
function messageFor(code, serverMessage) {
  return MESSAGES[code] || serverMessage || FALLBACK
}

class ApiError extends Error {
  constructor({ code, message, httpStatus = 0, details = null }) {
    super(message || messageFor(code))
    this.name = 'ApiError'
    this.code = code
    this.httpStatus = httpStatus
    this.details = details
  }
}

module.exports = { MESSAGES, FALLBACK, messageFor, ApiError }
