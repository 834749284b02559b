// One table from error codes to what the shopper reads. The backend sends
// {"error": code, "message": ...}; NETWORK and TIMEOUT are ours.
const MESSAGES = {
  NETWORK: '网络异常，请检查网络后重试',
  TIMEOUT: '网络超时，请检查网络后重试',
  LOGIN_FAILED: '微信登录失败，请稍后重试',
  UNKNOWN: '操作失败，请稍后重试',
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
  goods_not_found: '商品不存在或已删除',
  sku_not_found: '该规格已不存在，请重新选择',
  goods_off_shelf: '商品已下架',
  out_of_stock: '库存不足',
  cart_full: '购物车已满，请先清理部分商品',
  cart_item_not_found: '购物车商品已不存在，请刷新',
  cart_empty: '购物车里没有选中的商品',
  address_not_found: '收货地址不存在，请重新选择',
  address_required: '请选择收货地址',
  order_not_found: '订单不存在',
  order_not_pending: '订单状态已变化，请刷新',
  order_closed: '订单已关闭',
  order_expired: '订单已超时关闭',
  not_cancellable: '订单当前不能取消',
  not_confirmable: '订单当前不能确认收货',
  not_refundable: '订单当前不能申请退款',
  refund_exists: '已提交过退款申请',
  not_reviewable: '订单当前不能评价',
  already_reviewed: '已经评价过了',
  payment_failed: '支付失败，请稍后重试',
  already_paid: '订单已支付',
  idempotency_conflict: '请求重复，请刷新后查看订单',
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
