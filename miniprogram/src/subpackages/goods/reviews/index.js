// 全部评价 for one goods, page by page.
const goodsService = require('../../../services/goods')
const { Pager } = require('../../../utils/pager')
const routes = require('../../../utils/routes')

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
    onShareAppMessage() {
      // reviews are shared as the goods page they belong to
      return { title: '买家评价', path: routes.goodsDetail(this.data.goodsId) }
    },
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
