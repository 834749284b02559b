// 支付成功: where a shopper lands after WeChat Pay said yes (checkout, 去支付 on an order, a flash
// grab, a group seat). WeChat's word is not the shop's: the page asks the order until the shop
// has recorded the payment (支付确认中… meanwhile), and says 支付成功 only then. Past the
// deadline it says the result is still being confirmed and offers to look again.
const ordersService = require('../../../services/orders')
const nav = require('../../../utils/nav')
const routes = require('../../../utils/routes')

const CONFIRM_DEADLINE_MS = 10000
const POLL_INTERVAL_MS = 500

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** 'confirming' until the order is paid ('paid'), closed unpaid ('closed'), or the deadline passes ('waiting'). */
function stateOf(order) {
  if (!order) return 'confirming'
  if (order.paid_at) return 'paid'
  if (order.status === 'closed') return 'closed'
  return 'confirming'
}

Component({
  properties: {
    orderId: { type: String, value: '' },
    groupId: { type: String, value: '' },
    back: { type: String, value: '' }, // opened from the group page itself: go back to it
  },
  data: {
    state: 'confirming',
    order: null,
  },
  lifetimes: {
    detached() {
      this.stopped = true
    },
  },
  methods: {
    onLoad() {
      return this.confirm()
    },
    onUnload() {
      this.stopped = true
    },
    /** Polls the order until the shop has recorded the payment or CONFIRM_DEADLINE_MS passes. */
    async confirm() {
      this.setData({ state: 'confirming' })
      const deadline = Date.now() + CONFIRM_DEADLINE_MS
      let order = null
      for (;;) {
        try {
          order = await ordersService.getOrder(this.data.orderId, { silent: true })
        } catch (err) {
          // Keep asking until the deadline; a lost answer is not a refusal.
        }
        if (this.stopped) return
        const state = stateOf(order)
        if (state !== 'confirming') {
          this.setData({ state, order })
          return
        }
        if (Date.now() + POLL_INTERVAL_MS > deadline) break
        await sleep(POLL_INTERVAL_MS)
      }
      this.setData({ state: 'waiting', order })
    },
    onRetry() {
      return this.confirm()
    },
    onViewOrder() {
      // Still unconfirmed: the order page keeps confirming (paid=1) instead of offering 去支付.
      nav.redirect(routes.orderDetail(this.data.orderId, this.data.state === 'waiting' ? { paid: 1 } : {}))
    },
    onInvite() {
      const groupPage = routes.group(this.data.groupId)
      if (this.data.back === '1') nav.back(groupPage)
      else nav.redirect(groupPage)
    },
    onContinue() {
      nav.redirect(routes.TABS.home)
    },
  },
})
