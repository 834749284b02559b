// 订单详情: state with a pay countdown, progress and timeline, logistics, lines, amounts,
// and the actions the server allows (can_cancel, can_pay, can_confirm, can_refund, can_review).
const ordersService = require('../../../services/orders')
const wechatService = require('../../../services/wechat')
const groupbuy = require('../../../services/groupbuy')
const deliveryService = require('../../../services/delivery')
const feedback = require('../../../utils/feedback')
const nav = require('../../../utils/nav')
const routes = require('../../../utils/routes')
const { formatCountdown } = require('../../../utils/format')
const actions = require('../utils/order-actions')
const { present, payMillisLeft } = require('../utils/present')

Component({
  properties: {
    orderId: { type: String, value: '' },
    paid: { type: String, value: '' },
  },
  data: {
    order: null,
    view: null,
    failed: false,
    countdown: '',
    confirmingPayment: false,
    tracking: null,
    group: null,
    delivery: null,
  },
  lifetimes: {
    detached() {
      this.stopCountdown()
    },
  },
  methods: {
    async onLoad() {
      if (this.data.paid === '1') return this.confirmPayment()
      return this.load()
    },
    onShow() {
      // Back from the refund or review page: show what changed there.
      if (this.shownOnce && this.data.order) this.load()
      this.shownOnce = true
    },
    onUnload() {
      this.stopCountdown()
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },
    async load() {
      try {
        this.show(await ordersService.getOrder(this.data.orderId))
      } catch (err) {
        this.setData({ failed: !this.data.order })
      }
    },
    show(order) {
      this.setData({ order, view: present(order), failed: false })
      this.startCountdown()
      if (order.tracking_no) this.loadTracking(order.id)
      if (order.kind === 'group') this.loadGroup(order)
      this.loadDelivery(order)
    },
    async loadTracking(orderId) {
      // 物流轨迹 from the shop's provider; without one the carrier and number (with 复制) stay.
      try {
        const tracking = await wechatService.tracking(orderId)
        this.setData({ tracking: tracking && tracking.points && tracking.points.length ? tracking : null })
      } catch (err) {
        this.setData({ tracking: null })
      }
    },
    async loadGroup(order) {
      try {
        this.setData({ group: await groupbuy.groupOfOrder(order.id, { silent: true }) })
      } catch (err) {
        this.setData({ group: null })
      }
    },
    onGroupTap() {
      nav.go(routes.group(this.data.group.id))
    },
    // Community delivery: the slot, 配送中 with the stop number, 已送达; 自提: the pickup point and
    // the code to show at the store, then 已自提 (no panel for other orders).
    async loadDelivery(order) {
      let info
      try {
        info = await deliveryService.orderDelivery(order.id)
      } catch (err) {
        return
      }
      const lines = []
      let pickupCode = ''
      if (info.method === 'pickup') {
        lines.push('到店自提')
        if (info.pickup_address) lines.push(`自提点：${info.pickup_address}${info.pickup_hours ? `（${info.pickup_hours}）` : ''}`)
        // shown once paid; spaced in fours so it reads out easily at the counter
        if (info.pickup_code && info.outcome !== 'picked_up') pickupCode = info.pickup_code.replace(/(\d{4})(?=\d)/g, '$1 ')
      }
      if (info.method === 'express') lines.push('快递配送')
      if (info.method === 'delivery' && info.slot_date) lines.push(`送达时段 ${info.slot_date.slice(5)} ${info.slot_start}-${info.slot_end}`)
      let stage = ''
      if (info.outcome === 'delivered') stage = '已送达'
      else if (info.outcome === 'picked_up') stage = '已自提'
      else if (info.outcome === 'failed') stage = `未能送达：${info.fail_reason}，商家会联系您`
      else if (order.status === 'delivering' && info.stop_seq) stage = `配送中 · 您是第 ${info.stop_seq} 站`
      this.setData({ delivery: { lines, stage, pickupCode } })
    },
    async confirmPayment() {
      this.setData({ confirmingPayment: true })
      const order = await actions.waitUntilPaid(this.data.orderId)
      this.setData({ confirmingPayment: false })
      if (order) this.show(order)
      else await this.load()
      // WeChat said paid but the shop has not heard yet: say so rather than ask to pay again.
      if (this.data.order && this.data.order.status === 'pending_payment') {
        feedback.toast('支付结果确认中，请稍后下拉刷新')
      }
    },
    startCountdown() {
      this.stopCountdown()
      const tick = () => {
        const left = payMillisLeft(this.data.order)
        this.setData({ countdown: left > 0 ? formatCountdown(left) : '' })
        if (left <= 0) {
          this.stopCountdown()
          if (this.data.order.status === 'pending_payment') this.load()
        }
      }
      if (payMillisLeft(this.data.order) <= 0) {
        this.setData({ countdown: '' })
        return
      }
      tick()
      this.timer = setInterval(tick, 1000)
    },
    stopCountdown() {
      if (this.timer) clearInterval(this.timer)
      this.timer = null
    },
    async run(action) {
      try {
        const updated = await action(this.data.order)
        if (updated) this.show(updated)
      } catch (err) {
        // api explained the refusal (订单状态已变化 …): show the order as it is now.
        this.load()
      }
    },
    onCancel() {
      return this.run(actions.cancel)
    },
    onConfirm() {
      return this.run(actions.confirmReceipt)
    },
    async onPay() {
      let status = 'failed'
      try {
        status = await actions.pay(this.data.order)
      } catch (err) {
        return this.load()
      }
      if (status === 'paid') return nav.redirect(routes.payResult(this.data.order.id))
      return this.load()
    },
    onRefund() {
      nav.go(routes.orderRefund(this.data.order.id))
    },
    onAfterSale() {
      nav.go(routes.orderAfterSale(this.data.order.id))
    },
    onReview() {
      nav.go(routes.orderReview(this.data.order.id))
    },
    onLineTap(event) {
      nav.go(routes.goodsDetail(event.currentTarget.dataset.goodsId))
    },
    onCopy(event) {
      wx.setClipboardData({ data: String(event.currentTarget.dataset.value), success: () => feedback.toast('已复制') })
    },
    onRetry() {
      this.load()
    },
  },
})
