// 我的: who I am, how many orders wait in each state, and the doors to my other pages.
const meService = require('../../services/me')
const nav = require('../../utils/nav')
const routes = require('../../utils/routes')

// Each entry opens the order list on the tab that holds those orders.
const ORDER_ENTRIES = [
  { key: 'pending_payment', text: '待支付', status: 'pending_payment', icon: '/images/icons/order-pending.png' },
  { key: 'paid', text: '待发货', status: 'paid', icon: '/images/icons/order-paid.png' },
  { key: 'shipped', text: '待收货', status: 'shipped', icon: '/images/icons/order-shipped.png' },
  { key: 'to_review', text: '待评价', status: 'completed', icon: '/images/icons/order-review.png' },
  { key: 'after_sale', text: '售后', status: 'after_sale', icon: '/images/icons/order-after-sale.png' },
]

const SERVICE_ENTRIES = [
  { key: 'favorites', text: '我的收藏' },
  { key: 'footprints', text: '浏览足迹' },
  { key: 'addresses', text: '收货地址' },
  { key: 'coupons', text: '优惠券' },
]

Component({
  data: {
    user: null,
    orderEntries: ORDER_ENTRIES.map((entry) => Object.assign({ count: 0 }, entry)),
    serviceEntries: SERVICE_ENTRIES,
    failed: false,
  },
  methods: {
    onShow() {
      return this.load()
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },
    async load() {
      try {
        const me = await meService.getMe()
        const counts = me.order_counts || {}
        this.setData({
          failed: false,
          user: { nickname: me.nickname, avatar_url: me.avatar_url },
          orderEntries: ORDER_ENTRIES.map((entry) => Object.assign({ count: counts[entry.key] || 0 }, entry)),
        })
      } catch (err) {
        this.setData({ failed: !this.data.user })
      }
    },
    onProfileTap() {
      nav.go(routes.profile())
    },
    onAllOrdersTap() {
      nav.go(routes.orderList())
    },
    onOrderEntryTap(event) {
      nav.go(routes.orderList(event.currentTarget.dataset.status))
    },
    onServiceTap(event) {
      const key = event.currentTarget.dataset.key
      if (key === 'favorites') nav.go(routes.favorites())
      else if (key === 'footprints') nav.go(routes.footprints())
      else if (key === 'addresses') nav.go(routes.addresses())
      else if (key === 'coupons') nav.go(routes.myCoupons())
    },
  },
})
