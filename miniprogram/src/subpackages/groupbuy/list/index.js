// 拼团列表: every running campaign, its group price against the everyday price.
const groupbuy = require('../../../services/groupbuy')
const nav = require('../../../utils/nav')
const routes = require('../../../utils/routes')

Component({
  data: {
    campaigns: [],
    loaded: false,
    failed: false,
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
        const campaigns = await groupbuy.listCampaigns()
        this.setData({ campaigns, loaded: true, failed: false })
      } catch (err) {
        this.setData({ failed: true, loaded: true })
      }
    },
    onCampaignTap(event) {
      nav.go(routes.goodsDetail(event.currentTarget.dataset.goodsId))
    },
  },
})
