// 秒杀: sessions in two tabs (正在疯抢 / 即将开始), a countdown from the server's clock (never
// the phone's), and 立即抢购 straight to a one-tap checkout: the default address, then pay.
// An upcoming item offers 提醒我: the tap asks for the flash_starting template and the backend
// sends one message when the session starts.
const flashService = require('../../../services/flash')
const meService = require('../../../services/me')
const wechatService = require('../../../services/wechat')
const { payOrder } = require('../../../services/payments')
const feedback = require('../../../utils/feedback')
const nav = require('../../../utils/nav')
const routes = require('../../../utils/routes')
const { messageFor } = require('../../../utils/errors')
const present = require('./present')

const REFUSALS = {
  flash_sold_out: '已抢光',
  flash_limit_reached: '已达限购',
  flash_not_started: '活动未开始',
  flash_ended: '活动已结束',
}

Component({
  properties: {
    tab: { type: String, value: 'running' },
  },
  data: {
    tabs: [],
    sessions: [],
    countdownText: '',
    loaded: false,
    failed: false,
    reminded: {},
  },
  methods: {
    onLoad() {
      return this.load()
    },
    onUnload() {
      this.stopTicking()
    },
    onHide() {
      this.stopTicking()
    },
    onShow() {
      if (this.raw) this.startTicking()
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },
    async load() {
      try {
        const answer = await flashService.listFlashSales()
        this.offset = present.clockOffset(answer.server_time, Date.now())
        this.raw = answer.sessions || []
        this.setData({ loaded: true, failed: false })
        this.render()
        this.startTicking()
        this.loadReminders()
      } catch (err) {
        this.setData({ loaded: true, failed: true })
      }
    },
    async loadReminders() {
      // also fetches the event → template map now, so that a 提醒我 tap can ask at once
      wechatService.askFor([]).catch(() => {})
      try {
        const answer = await flashService.myReminders()
        const reminded = {}
        ;(answer.item_ids || []).forEach((id) => {
          reminded[id] = true
        })
        this.setData({ reminded })
      } catch (err) {
        // not signed in yet: every upcoming item offers 提醒我
      }
    },
    async onRemindTap(event) {
      const itemId = Number(event.currentTarget.dataset.itemId)
      if (this.reminding) return
      this.reminding = true
      try {
        await wechatService.remindMe('flash_starting')
        await flashService.remind(itemId)
        this.setData({ [`reminded.${itemId}`]: true })
        feedback.toast('开始前会提醒您')
      } catch (err) {
        feedback.toast(err.message || messageFor(err.code))
        if (err.code === 'flash_already_started') this.load()
      } finally {
        this.reminding = false
      }
    },
    serverNow() {
      return Date.now() + (this.offset || 0)
    },
    render() {
      const now = this.serverNow()
      const tabs = present.tabsAt(this.raw, now)
      const current = tabs.find((t) => t.key === this.data.tab) || tabs[0]
      const session = current.sessions[0]
      let countdownText = ''
      if (session) {
        countdownText =
          current.key === 'running'
            ? `距结束 ${present.countdown(Date.parse(session.ends_at), now)}`
            : `距开始 ${present.countdown(Date.parse(session.starts_at), now)}`
      }
      this.setData({
        tabs: tabs.map((t) => ({ key: t.key, text: t.text, count: t.sessions.length })),
        sessions: current.sessions,
        countdownText,
      })
    },
    startTicking() {
      this.stopTicking()
      this.timer = setInterval(() => {
        const before = JSON.stringify(present.tabsAt(this.raw, this.serverNow()).map((t) => t.sessions.length))
        this.render()
        const after = JSON.stringify(this.data.tabs.map((t) => t.count))
        if (before !== after) this.load() // a session started or ended: fresh numbers
      }, 1000)
    },
    stopTicking() {
      if (this.timer) clearInterval(this.timer)
      this.timer = null
    },
    onTabTap(event) {
      this.setData({ tab: event.currentTarget.dataset.key })
      this.render()
    },
    async defaultAddress() {
      const addresses = await meService.listAddresses({ silent: true })
      return addresses.find((address) => address.is_default) || addresses[0] || null
    },
    async onGrabTap(event) {
      const itemId = Number(event.currentTarget.dataset.itemId)
      if (this.grabbing) return
      this.grabbing = true
      try {
        const address = await this.defaultAddress()
        if (!address) {
          feedback.toast('请先添加收货地址')
          nav.go(routes.addresses({ select: '1' }))
          return
        }
        let order
        try {
          order = await flashService.orderFlashItem(itemId, address.id)
        } catch (err) {
          feedback.toast(REFUSALS[err.code] || err.message || messageFor(err.code))
          if (err.code === 'flash_sold_out') this.load()
          return
        }
        const paid = await payOrder(order.id)
        // right after the payment callback WeChat lets us ask for subscribe messages
        if (paid.status === 'paid') wechatService.afterPay().catch(() => {})
        nav.go(paid.status === 'paid' ? routes.payResult(order.id) : routes.orderDetail(order.id))
      } finally {
        this.grabbing = false
      }
    },
  },
})
