// 浏览足迹: goods viewed lately, grouped by day; can be cleared.
const meService = require('../../../services/me')
const feedback = require('../../../utils/feedback')
const { formatDate } = require('../../../utils/format')
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
      this.pager = new Pager(this, (page, pageSize) => meService.listFootprints(page, pageSize), {
        map: (footprint) => ({ key: `${footprint.goods.id}-${footprint.viewed_at}`, goods: footprint.goods, day: formatDate(footprint.viewed_at) }),
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
    onClear() {
      wx.showModal({
        title: '清空足迹',
        content: '确定清空全部浏览足迹吗？',
        confirmText: '清空',
        success: async (res) => {
          if (!res.confirm) return
          try {
            await meService.clearFootprints()
            feedback.toast('已清空')
            this.pager.reset()
          } catch (err) {
            // api showed why.
          }
        },
      })
    },
  },
})
