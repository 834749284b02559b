// 我的订单 with status tabs; each card's buttons act on that order in place.
const ordersService = require('../../../services/orders')
const nav = require('../../../utils/nav')
const routes = require('../../../utils/routes')
const { Pager } = require('../../../utils/pager')
const actions = require('../utils/order-actions')

const TABS = [
  { status: '', text: '全部' },
  { status: 'pending_payment', text: '待支付' },
  { status: 'paid', text: '待发货' },
  { status: 'shipped', text: '待收货' },
  { status: 'completed', text: '已完成' },
  { status: 'after_sale', text: '售后' },
]

Component({
  properties: {
    status: { type: String, value: '' },
  },
  data: {
    tabs: TABS,
    items: [],
    loadStatus: 'idle',
    loaded: false,
    total: 0,
  },
  methods: {
    onLoad() {
      this.pager = new Pager(this, (page, pageSize) => ordersService.listOrders(this.data.status, page, pageSize))
      return this.pager.reset()
    },
    onShow() {
      // Coming back from an order page: its state may have changed there.
      if (this.shownOnce) return this.pager.reset()
      this.shownOnce = true
      return undefined
    },
    onReachBottom() {
      return this.pager.more()
    },
    onPullDownRefresh() {
      return this.pager.reset().then(() => wx.stopPullDownRefresh())
    },
    onTabTap(event) {
      const status = event.currentTarget.dataset.status
      if (status === this.data.status) return
      this.setData({ status })
      this.pager.reset()
    },
    onRetry() {
      this.pager.more()
    },
    async onOrderAction(event) {
      const { action, orderId } = event.detail
      const order = this.data.items.find((item) => item.id === orderId)
      if (!order) return
      if (action === 'review') {
        nav.go(routes.orderReview(orderId))
        return
      }
      try {
        if (action === 'pay') {
          const status = await actions.pay(order)
          if (status === 'paid') nav.go(routes.payResult(orderId))
          return
        }
        const updated = action === 'cancel' ? await actions.cancel(order) : await actions.confirmReceipt(order)
        if (updated) this.pager.replace((item) => item.id === orderId, this.keepsTab(updated) ? updated : null)
      } catch (err) {
        // Shown by api; the order probably changed elsewhere, so show the list as it is now.
        this.pager.reset()
      }
    },
    keepsTab(order) {
      const status = this.data.status
      return !status || order.status === status
    },
  },
})
