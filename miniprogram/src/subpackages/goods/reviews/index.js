// 全部评价 for one goods, page by page.
const goodsService = require('../../../services/goods')
const { Pager } = require('../../../utils/pager')

Component({
  properties: {
    goodsId: { type: String, value: '' },
  },
  data: {
    items: [],
    loadStatus: 'idle',
    loaded: false,
    total: 0,
  },
  methods: {
    onLoad() {
      this.pager = new Pager(this, (page, pageSize) => goodsService.listReviews(this.data.goodsId, page, pageSize))
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
  },
})
