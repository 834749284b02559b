// 分类: top-level categories on the left; on the right the chosen one's children and its goods
// (best sellers first, infinite scroll inside the pane, "+" to add to the cart).
const shop = require('../../services/shop')
const goodsService = require('../../services/goods')
const { Pager } = require('../../utils/pager')
const nav = require('../../utils/nav')
const routes = require('../../utils/routes')

const PANE_PAGE_SIZE = 10

Component({
  data: {
    treeLoaded: false,
    failed: false,
    tree: [],
    activeIndex: 0,
    items: [],
    loadStatus: 'idle',
    loaded: false,
    total: 0,
    paneTop: 0,
  },
  methods: {
    onShareAppMessage() {
      return { title: '全部分类', path: routes.TABS.category }
    },
    onLoad() {
      this.pager = new Pager(this, (page, pageSize) => goodsService.listGoods(this.paneQuery(page, pageSize)), {
        pageSize: PANE_PAGE_SIZE,
      })
      return this.load()
    },
    async load({ refresh = false } = {}) {
      try {
        const tree = await shop.getCategories({ refresh })
        this.setData({ treeLoaded: true, failed: false, tree: tree || [], activeIndex: 0 })
      } catch (err) {
        this.setData({ failed: !this.data.treeLoaded })
        return
      }
      if (this.data.tree.length) await this.pager.reset()
    },
    paneQuery(page, pageSize) {
      const top = this.data.tree[this.data.activeIndex]
      return { category_id: top.id, sort: 'sales', order: 'desc', page, page_size: pageSize }
    },
    onRetry() {
      this.load({ refresh: true })
    },
    onSearchTap() {
      nav.go(routes.goodsSearch())
    },
    onTopTap(event) {
      const index = Number(event.currentTarget.dataset.index)
      if (index === this.data.activeIndex) return Promise.resolve()
      // paneTop toggles so the pane scrolls back to the top even when it already "was" at 0.
      this.setData({ activeIndex: index, paneTop: this.data.paneTop ? 0 : 1 })
      return this.pager.reset()
    },
    onPaneBottom() {
      return this.pager.more()
    },
    onPaneRetry() {
      return this.pager.more()
    },
    onCategoryTap(event) {
      const { id, name } = event.currentTarget.dataset
      nav.go(routes.goodsList({ categoryId: id, title: name }))
    },
  },
})
