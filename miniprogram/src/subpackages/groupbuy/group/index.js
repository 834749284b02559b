// 拼团详情 (/subpackages/groupbuy/group/index?id=): reached from an order, a share card and a
// share code (scene "t=<id>"). Members' avatars with the empty seats, the countdown, 邀请好友 /
// 海报 / 参与拼团 / 查看订单, and the result (拼团成功 / 拼团失败，已退款).
const groupbuy = require('../../../services/groupbuy')
const wechatService = require('../../../services/wechat')
const feedback = require('../../../utils/feedback')
const poster = require('../../../utils/poster')
const scene = require('../../../utils/scene')
const nav = require('../../../utils/nav')
const routes = require('../../../utils/routes')
const { formatCountdown, formatPrice } = require('../../../utils/format')
const { takeSeat } = require('../../../utils/group-seat')
const { present, millisLeft } = require('./present')

// After WeChat says paid, the shop hears of it a moment later: look again a few times.
const CONFIRM_TRIES = 20
const CONFIRM_INTERVAL_MS = 500

function paidCount(group) {
  return group.members.filter((member) => member.paid).length
}

Component({
  // The group's id comes as `?id=` (from a share card or an order); read in onLoad, since
  // `id` is every component's own attribute and cannot be a property.
  data: {
    group: null,
    view: null,
    countdown: '',
    failed: false,
    posterVisible: false,
    posterPath: '',
  },
  lifetimes: {
    detached() {
      this.stopCountdown()
    },
  },
  methods: {
    onLoad(query) {
      this.groupId = scene.idFor('group', query && query.id, query && query.scene)
      // Opened right after the leader paid: wait for the group to open.
      this.tries = CONFIRM_TRIES
      return this.load()
    },
    onUnload() {
      this.stopCountdown()
      this.tries = 0
      if (this.retry) clearTimeout(this.retry)
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },
    onShareAppMessage() {
      const group = this.data.group
      if (!group) return { title: '一起拼团更优惠', path: routes.group(this.groupId) }
      const price = formatPrice(group.campaign.group_price_fen)
      const left = group.seats_left > 0 ? `还差${group.seats_left}人，` : ''
      return {
        title: `${left}¥${price} 拼「${group.goods.title}」`,
        path: routes.group(group.id),
        imageUrl: group.goods.cover_url,
      }
    },
    async load() {
      try {
        const group = await groupbuy.getGroup(this.groupId)
        this.receivedAt = Date.now()
        this.setData({ group, view: present(group), failed: false })
        this.startCountdown()
        this.confirmAgainIfWaiting(group)
      } catch (err) {
        this.setData({ failed: !this.data.group })
      }
    },
    confirmAgainIfWaiting(group) {
      const waiting = (group.status === 'pending' && group.my_order_id) || (this.paidAtLeast && paidCount(group) < this.paidAtLeast)
      if (!waiting || !this.tries) return
      this.tries -= 1
      this.retry = setTimeout(() => this.load(), CONFIRM_INTERVAL_MS)
    },
    startCountdown() {
      this.stopCountdown()
      if (this.data.group.status !== 'forming') {
        this.setData({ countdown: '' })
        return
      }
      const tick = () => {
        const left = millisLeft(this.data.group, this.receivedAt)
        this.setData({ countdown: left > 0 ? formatCountdown(left) : '' })
        if (left <= 0) {
          this.stopCountdown()
          this.load()
        }
      }
      tick()
      if (this.data.countdown) this.timer = setInterval(tick, 1000)
    },
    stopCountdown() {
      if (this.timer) clearInterval(this.timer)
      this.timer = null
    },
    async onJoinTap() {
      const group = this.data.group
      try {
        const campaign = await groupbuy.getCampaign(group.campaign.id)
        const seat = await takeSeat({ groupId: group.id, skus: campaign.skus })
        if (seat && seat.paid) {
          this.paidAtLeast = paidCount(group) + 1
          this.tries = CONFIRM_TRIES
        }
        if (seat) await this.load()
        // 支付成功 on its own page; its 邀请好友拼团 comes back here.
        if (seat && seat.paid) nav.go(routes.payResult(seat.order.id, { groupId: group.id, back: 1 }))
      } catch (err) {
        // api.request already said why (已满员, 已结束 …); show the group as it is now.
        await this.load()
      }
    },
    /** 分享海报: the goods picture, the group price with the seats left, and the group's share
     * code (the API refuses a group that no longer forms). */
    async onPoster() {
      const group = this.data.group
      if (!group) return
      this.setData({ posterVisible: true, posterPath: '' })
      try {
        const codePath = await wechatService.downloadShareCode('group', group.id)
        const left = group.seats_left > 0 ? ` · 还差${group.seats_left}人` : ''
        const steps = poster.layout({
          title: group.goods.title,
          priceFen: group.campaign.group_price_fen,
          imagePath: group.goods.cover_url,
          codePath,
          tag: `${group.group_size}人团${left}`,
          hint: '长按识别，一起拼团',
        })
        this.setData({ posterPath: await this.paint(steps) })
      } catch (err) {
        this.setData({ posterVisible: false })
        feedback.toast('海报生成失败，请稍后重试')
      }
    },
    paint(steps) {
      return poster.paint(this, '#group-poster-canvas', steps)
    },
    onPosterSave() {
      poster.save(this.data.posterPath)
    },
    onPosterClose() {
      this.setData({ posterVisible: false })
    },
    noop() {},
    onOrderTap() {
      nav.go(routes.orderDetail(this.data.group.my_order_id))
    },
    onGoodsTap() {
      nav.go(routes.goodsDetail(this.data.group.goods.id))
    },
  },
})
