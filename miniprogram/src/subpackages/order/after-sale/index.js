// 售后进度: the order's latest after-sale request as it stands — amount, status, what the
// merchant said — and, for 退货退款 once the merchant agreed, the return address (复制) and the
// step the shopper owes: the return carrier and tracking number. While the request is still
// open (the merchant deciding, the goods on their way back, the money at the channel) the
// page asks again every few seconds, so it shows 已退款 by itself when the channel confirms.
const ordersService = require('../../../services/orders')
const feedback = require('../../../utils/feedback')
const { formatTime } = require('../../../utils/format')

const OPEN = ['requested', 'return_approved', 'returning', 'approved', 'processing']
const REFRESH_MS = 5000
const TIPS = {
  requested: '申请已提交，等待商家处理',
  return_approved: '商家已同意退货，请按下面的地址寄回商品，并填写运单号',
  returning: '商品已寄回，等待商家确认收货后退款',
  approved: '商家已同意，款项正在原路退回',
  processing: '款项正在原路退回',
  succeeded: '退款已原路退回，请注意查收',
  rejected: '商家拒绝了申请',
  failed: '退款遇到问题，商家正在处理',
  closed: '未在期限内寄回商品，退货申请已关闭',
}
const STEPS = [
  { key: 'requested', text: '提交申请' },
  { key: 'return_approved', text: '商家同意' },
  { key: 'returning', text: '寄回商品' },
  { key: 'approved', text: '商家收货' },
  { key: 'succeeded', text: '退款到账' },
]
const ORDER_OF = { requested: 0, return_approved: 1, returning: 2, approved: 3, processing: 3, succeeded: 4 }

function present(refund) {
  const reached = ORDER_OF[refund.status] === undefined ? -1 : ORDER_OF[refund.status]
  return {
    tip: TIPS[refund.status] || refund.status_text,
    steps: refund.return_goods ? STEPS.map((step, index) => ({ text: step.text, done: index <= reached })) : [],
    dueText: refund.status === 'return_approved' ? formatTime(refund.return_due_at) : '',
    canShip: refund.status === 'return_approved' || refund.status === 'returning',
    open: OPEN.includes(refund.status),
  }
}

Component({
  properties: {
    orderId: { type: String, value: '' },
  },
  data: {
    refund: null,
    view: null,
    failed: false,
    carrier: '',
    trackingNo: '',
    submitting: false,
  },
  lifetimes: {
    detached() {
      this.stopRefreshing()
    },
  },
  methods: {
    onLoad() {
      return this.load()
    },
    onUnload() {
      this.stopRefreshing()
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },
    async load() {
      this.stopRefreshing()
      try {
        const refunds = await ordersService.listRefunds(this.data.orderId, { silent: !!this.data.refund })
        const refund = refunds.length ? refunds[refunds.length - 1] : null
        const view = refund ? present(refund) : null
        const typed = refund && refund.status === 'returning' && !this.data.trackingNo
        this.setData({
          refund,
          view,
          failed: false,
          carrier: typed ? refund.return_carrier : this.data.carrier,
          trackingNo: typed ? refund.return_tracking_no : this.data.trackingNo,
        })
        if (view && view.open) this.refresh = setTimeout(() => this.load(), REFRESH_MS)
      } catch (err) {
        this.setData({ failed: !this.data.refund })
      }
    },
    stopRefreshing() {
      if (this.refresh) clearTimeout(this.refresh)
      this.refresh = null
    },
    onCopyAddress() {
      wx.setClipboardData({ data: this.data.refund.return_address, success: () => feedback.toast('已复制') })
    },
    onCarrierInput(event) {
      this.setData({ carrier: event.detail.value })
    },
    onTrackingInput(event) {
      this.setData({ trackingNo: event.detail.value })
    },
    async onShipSubmit() {
      if (this.data.submitting) return
      const carrier = this.data.carrier.trim()
      const trackingNo = this.data.trackingNo.trim().toUpperCase()
      if (!carrier) {
        feedback.toast('请填写快递公司')
        return
      }
      if (!/^[0-9A-Za-z-]{4,64}$/.test(trackingNo)) {
        feedback.toast('请填写正确的运单号')
        return
      }
      this.setData({ submitting: true })
      try {
        await ordersService.shipReturn(this.data.refund.id, { carrier, tracking_no: trackingNo })
        feedback.success('已提交退货物流')
        this.setData({ submitting: false, trackingNo })
        await this.load()
      } catch (err) {
        this.setData({ submitting: false })
      }
    },
  },
})
