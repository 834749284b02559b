// What a shopper can do to an order, shared by the order list and the order detail page.
// Each action asks for confirmation where it cannot be undone, and resolves with the
// updated order (or null when the shopper changed their mind). API errors are already
// shown as a toast by api.request and are passed on to the caller.
const ordersService = require('../../../services/orders')
const payments = require('../../../services/payments')
const wechat = require('../../../services/wechat')
const feedback = require('../../../utils/feedback')

function ask({ title, content, confirmText, cancelText = '再想想' }) {
  return new Promise((resolve) => {
    wx.showModal({ title, content, confirmText, cancelText, success: (res) => resolve(!!res.confirm), fail: () => resolve(false) })
  })
}

const WAIT_INTERVAL_MS = 300

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function cancel(order) {
  const sure = await ask({ title: '取消订单', content: '确定取消这个订单吗？', confirmText: '取消订单' })
  if (!sure) return null
  const updated = await ordersService.cancelOrder(order.id)
  feedback.toast('订单已取消')
  return updated
}

async function confirmReceipt(order) {
  const sure = await ask({ title: '确认收货', content: '请确认已收到全部商品，确认后订单完成。', confirmText: '确认收货' })
  if (!sure) return null
  const updated = await ordersService.confirmOrder(order.id)
  feedback.success('已确认收货')
  return updated
}

/**
 * Pays with WeChat Pay. Resolves 'paid', 'cancelled' or 'failed'; the order stays payable
 * after the last two, and the shopper is told how to finish paying.
 */
async function pay(order) {
  const result = await payments.payOrder(order.id)
  if (result.status === 'paid') {
    // Right after the payment callback WeChat lets us ask for subscribe messages (发货/配送提醒).
    wechat.afterPay()
    return 'paid'
  }
  if (result.status === 'cancelled') {
    feedback.toast('已取消支付，可在订单详情中继续支付')
  } else {
    await new Promise((resolve) => {
      wx.showModal({
        title: '支付未完成',
        content: payments.FAILURE_GUIDE,
        showCancel: false,
        confirmText: '知道了',
        complete: resolve,
      })
    })
  }
  return result.status
}

/** After WeChat says paid, the server learns it from an asynchronous notice: poll briefly. */
async function waitUntilPaid(orderId, { attempts = 20, intervalMs = WAIT_INTERVAL_MS } = {}) {
  let latest = null
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    try {
      latest = await ordersService.getOrder(orderId, { silent: true })
      if (latest.status !== 'pending_payment') return latest
    } catch (err) {
      // Keep polling; the page shows the last known state.
    }
    await sleep(intervalMs)
  }
  return latest
}

module.exports = { cancel, confirmReceipt, pay, waitUntilPaid }
