// 领券中心: every coupon one may claim now; claimed ones say so. A 兑换码 is typed in here too.
const couponsService = require('../../../services/coupons')
const feedback = require('../../../utils/feedback')
const { card } = require('../../../utils/coupons')

function view(coupon) {
  const full = coupon.claimed_by_me >= coupon.per_user_limit
  const soldOut = coupon.left <= 0
  return card(coupon, {
    actionText: full ? '已领取' : soldOut ? '已抢光' : '领取',
    disabled: full || soldOut,
    note: coupon.claimed_by_me && !full ? `已领 ${coupon.claimed_by_me} 张` : '',
  })
}

Component({
  data: {
    coupons: [],
    loaded: false,
    failed: false,
    code: '',
  },
  methods: {
    onLoad() {
      return this.load()
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },
    async load() {
      try {
        const coupons = await couponsService.listClaimable()
        this.raw = coupons
        this.setData({ coupons: coupons.map(view), loaded: true, failed: false })
      } catch (err) {
        this.setData({ failed: !this.data.loaded })
      }
    },
    async onClaim(event) {
      const id = Number(event.detail.id)
      try {
        await couponsService.claim(id)
        feedback.toast('领取成功')
        this.raw = this.raw.map((coupon) =>
          coupon.id === id ? Object.assign({}, coupon, { claimed_by_me: coupon.claimed_by_me + 1, left: coupon.left - 1 }) : coupon
        )
        this.setData({ coupons: this.raw.map(view) })
      } catch (err) {
        this.load()
      }
    },
    onCodeInput(event) {
      this.setData({ code: event.detail.value })
    },
    async onRedeem() {
      const code = this.data.code.trim()
      if (!code) {
        feedback.toast('请输入兑换码')
        return
      }
      try {
        await couponsService.redeem(code)
        feedback.toast('兑换成功')
        this.setData({ code: '' })
      } catch (err) {
        // api showed why (兑换码无效或已被使用 …).
      }
    },
  },
})
