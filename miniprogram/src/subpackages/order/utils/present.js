// Turns an Order from the API into what the order page shows: progress, timeline, notes.
const { formatTime, parseTime } = require('../../../utils/format')

const PROGRESS = [
  { field: 'created_at', text: '下单' },
  { field: 'paid_at', text: '付款' },
  { field: 'shipped_at', text: '发货' },
  { field: 'completed_at', text: '收货' },
]

const TIPS = {
  pending_payment: '请尽快完成支付，超时订单将自动关闭',
  paid: '商家正在备货，请耐心等待',
  grouping: '拼团中，邀请好友参团，成团后商家发货；未成团将自动退款',
  shipped: '商品已发出，请注意查收',
  completed: '交易已完成，感谢您的支持',
  closed: '订单已关闭',
  refund_requested: '退款申请已提交，等待商家处理',
  refunding: '退款处理中，款项将原路退回',
  refunded: '退款已原路退回，请注意查收',
}

// Statuses with an after-sale request to follow on 售后进度.
const AFTER_SALE = ['refund_requested', 'refunding', 'refunded']

function progress(order) {
  return PROGRESS.map((step) => ({ text: step.text, done: !!order[step.field], time: formatTime(order[step.field]) }))
}

function timeline(order) {
  return (order.timeline || [])
    .slice()
    .reverse()
    .map((entry, index) => ({
      key: `${entry.status}-${index}`,
      title: entry.status_text,
      note: entry.note,
      time: formatTime(entry.created_at),
      latest: index === 0,
    }))
}

function tip(order) {
  if (order.status === 'closed' && order.close_reason) return `订单已关闭：${order.close_reason}`
  return TIPS[order.status] || ''
}

function infoRows(order) {
  return [
    { label: '订单编号', value: order.order_no, copy: true },
    { label: '下单时间', value: formatTime(order.created_at) },
    { label: '付款时间', value: formatTime(order.paid_at) },
    { label: '发货时间', value: formatTime(order.shipped_at) },
    { label: '完成时间', value: formatTime(order.completed_at) },
    { label: '关闭时间', value: formatTime(order.closed_at) },
    { label: '订单备注', value: order.note },
  ].filter((row) => row.value)
}

/** Milliseconds left to pay, or 0 when the order is not waiting for payment. */
function payMillisLeft(order, now = Date.now()) {
  if (order.status !== 'pending_payment' || !order.expires_at) return 0
  return Math.max(0, parseTime(order.expires_at) - now)
}

function present(order) {
  const address = order.address || {}
  return {
    tip: tip(order),
    progress: progress(order),
    timeline: timeline(order),
    infoRows: infoRows(order),
    addressText: `${address.province || ''}${address.city || ''}${address.district || ''} ${address.detail || ''}`.trim(),
    hasAfterSale: AFTER_SALE.includes(order.status),
    hasActions: order.can_cancel || order.can_pay || order.can_confirm || order.can_review || order.can_refund || AFTER_SALE.includes(order.status),
  }
}

module.exports = { present, payMillisLeft }
