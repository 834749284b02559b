// 分类: top-level categories on the left, the chosen one's children on the right.
const shop = require('../../services/shop')
const nav = require('../../utils/nav')
const routes = require('../../utils/routes')

Component({
  data: {
    loaded: false,
    failed: false,
    tree: [],
    activeIndex: 0,
  },
  methods: {
    onShareAppMessage() {
      return { title: '全部分类', path: routes.TABS.category }
    },
    onLoad() {
      return this.load()
    },
    async load({ refresh = false } = {}) {
      try {
        const tree = await shop.getCategories({ refresh })
        this.setData({ loaded: true, failed: false, tree: tree || [], activeIndex: 0 })
      } catch (err) {
        this.setData({ failed: !this.data.loaded })
      }
    },
    onRetry() {
      this.load({ refresh: true })
    },
    onSearchTap() {
      nav.go(routes.goodsSearch())
    },
    onTopTap(event) {
      this.setData({ activeIndex: Number(event.currentTarget.dataset.index) })
    },
    onCategoryTap(event) {
      const { id, name } = event.currentTarget.dataset
      nav.go(routes.goodsList({ categoryId: id, title: name }))
    },
  },
})
