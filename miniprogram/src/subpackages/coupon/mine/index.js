// 我的优惠券: 可用 / 已使用 / 已过期. A usable one leads back to shopping.
const couponsService = require('../../../services/coupons')
const nav = require('../../../utils/nav')
const routes = require('../../../utils/routes')
const { Pager } = require('../../../utils/pager')
const { card } = require('../../../utils/coupons')

const TABS = [
  { status: 'usable', text: '可用' },
  { status: 'used', text: '已使用' },
  { status: 'expired', text: '已过期' },
]

function view(status) {
  return (coupon) =>
    card(coupon, {
      actionText: status === 'usable' ? '去使用' : '',
      disabled: status !== 'usable',
      note: status === 'used' && coupon.status === 'locked' ? '待支付订单使用中' : '',
    })
}

Component({
  properties: {
    status: { type: String, value: 'usable' },
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
      const status = TABS.some((tab) => tab.status === this.data.status) ? this.data.status : 'usable'
      return this.show(status)
    },
    show(status) {
      this.setData({ status })
      this.pager = new Pager(this, (page, pageSize) => couponsService.listMine(status, page, pageSize), { map: view(status) })
      return this.pager.reset()
    },
    onTabTap(event) {
      const status = event.currentTarget.dataset.status
      if (status !== this.data.status) return this.show(status)
      return undefined
    },
    onReachBottom() {
      return this.pager.more()
    },
    onPullDownRefresh() {
      return this.pager.reset().then(() => wx.stopPullDownRefresh())
    },
    onRetry() {
      this.pager.more()
    },
    onUse() {
      nav.go(routes.TABS.home)
    },
    onCenterTap() {
      nav.go(routes.couponCenter())
    },
  },
})
