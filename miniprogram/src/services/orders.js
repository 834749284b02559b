const api = require('../utils/api')

module.exports = {
  /** body: {items: [{sku_id, quantity}]} or {from_cart: true}, plus address_id when chosen. */
  previewOrder: (body) => api.request({ url: '/orders/preview', method: 'POST', data: body, retry: true }),
  /** `idempotencyKey` stays the same for every attempt at the same order. */
  createOrder: (body, idempotencyKey) =>
    api.request({
      url: '/orders',
      method: 'POST',
      data: body,
      header: { 'Idempotency-Key': idempotencyKey },
      loading: '提交订单',
    }),
  listOrders: (status, page, pageSize) => api.request({ url: '/orders', data: { status, page, page_size: pageSize } }),
  getOrder: (orderId, options = {}) => api.request({ url: `/orders/${orderId}`, silent: options.silent }),
  cancelOrder: (orderId) => api.request({ url: `/orders/${orderId}/cancel`, method: 'POST', loading: true }),
  confirmOrder: (orderId) => api.request({ url: `/orders/${orderId}/confirm`, method: 'POST', loading: true }),
  requestRefund: (orderId, body) =>
    api.request({ url: `/orders/${orderId}/refund`, method: 'POST', data: body, loading: '提交中' }),
  /** The order's after-sale requests, oldest first (status, amount, return address …). */
  listRefunds: (orderId, options = {}) => api.request({ url: `/orders/${orderId}/refunds`, silent: options.silent }),
  /** 退货退款: the goods were sent back. body: {carrier, tracking_no}. */
  shipReturn: (refundId, body) =>
    api.request({ url: `/refunds/${refundId}/return-shipment`, method: 'POST', data: body, loading: '提交中' }),
  reviewOrder: (orderId, reviews) =>
    api.request({ url: `/orders/${orderId}/reviews`, method: 'POST', data: { reviews }, loading: '提交中' }),
}
