// 我的收藏: saved goods, newest first; each can be removed here.
const meService = require('../../../services/me')
const feedback = require('../../../utils/feedback')
const nav = require('../../../utils/nav')
const routes = require('../../../utils/routes')
const { Pager } = require('../../../utils/pager')

Component({
  data: {
    items: [],
    loadStatus: 'idle',
    loaded: false,
    total: 0,
  },
  methods: {
    onLoad() {
      this.pager = new Pager(this, (page, pageSize) => meService.listFavorites(page, pageSize), {
        map: (favorite) => favorite.goods,
      })
      return this.pager.reset()
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
    async onRemove(event) {
      const goodsId = Number(event.currentTarget.dataset.id)
      try {
        await meService.removeFavorite(goodsId)
        this.pager.replace((goods) => goods.id === goodsId, null)
        feedback.toast('已取消收藏')
      } catch (err) {
        // api showed why.
      }
    },
    onGoShopping() {
      nav.go(routes.TABS.home)
    },
  },
})
