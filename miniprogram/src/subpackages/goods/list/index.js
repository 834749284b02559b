// 商品列表: search, category filter, sort (综合/销量/价格/新品), price range, infinite scroll.
const goodsService = require('../../../services/goods')
const feedback = require('../../../utils/feedback')
const { yuanToFen } = require('../../../utils/format')
const { Pager } = require('../../../utils/pager')
const routes = require('../../../utils/routes')
const share = require('../../../utils/share')

const SORTS = [
  { key: '', text: '综合' },
  { key: 'sales', text: '销量' },
  { key: 'price', text: '价格' },
  { key: 'new', text: '新品' },
]

Component({
  properties: {
    categoryId: { type: String, value: '' },
    q: { type: String, value: '' },
    title: { type: String, value: '' },
    sort: { type: String, value: '' },
    focus: { type: String, value: '' },
  },
  data: {
    sorts: SORTS,
    keyword: '',
    activeSort: '',
    order: 'desc',
    filterOpen: false,
    minPrice: '',
    maxPrice: '',
    priceFilterText: '',
    items: [],
    loadStatus: 'idle',
    loaded: false,
    total: 0,
  },
  methods: {
    onShareAppMessage() {
      const { categoryId, q, title } = this.data
      return share.message({ title: this.shareTitle(), path: routes.goodsList({ categoryId, q, title }), imageUrl: this.shareImage() })
    },
    onShareTimeline() {
      const { categoryId, q, title } = this.data
      return share.timeline({ title: this.shareTitle(), query: { categoryId, q, title }, imageUrl: this.shareImage() })
    },
    shareTitle() {
      const { q, title } = this.data
      return title || (q ? `搜索：${q}` : '好物推荐')
    },
    shareImage() {
      const first = this.data.items[0]
      return first ? first.cover_url : ''
    },
    onLoad() {
      share.showMenus()
      if (this.data.title) wx.setNavigationBarTitle({ title: this.data.title })
      this.filters = { minPriceFen: null, maxPriceFen: null }
      this.pager = new Pager(this, (page, pageSize) => goodsService.listGoods(this.query(page, pageSize)))
      this.setData({ keyword: this.data.q, activeSort: this.data.sort, order: this.data.sort === 'price' ? 'asc' : 'desc' })
      return this.pager.reset()
    },
    onReachBottom() {
      return this.pager.more()
    },
    onPullDownRefresh() {
      return this.pager.reset().then(() => wx.stopPullDownRefresh())
    },
    query(page, pageSize) {
      return {
        category_id: this.data.categoryId,
        q: this.data.keyword.trim(),
        sort: this.data.activeSort,
        order: this.data.activeSort ? this.data.order : '',
        min_price_fen: this.filters.minPriceFen,
        max_price_fen: this.filters.maxPriceFen,
        page,
        page_size: pageSize,
      }
    },
    onKeywordInput(event) {
      this.setData({ keyword: event.detail.value })
    },
    onSearch() {
      this.pager.reset()
    },
    onSortTap(event) {
      const key = event.currentTarget.dataset.sort
      let order = key === 'price' ? 'asc' : 'desc'
      if (key === 'price' && this.data.activeSort === 'price') order = this.data.order === 'asc' ? 'desc' : 'asc'
      this.setData({ activeSort: key, order })
      this.pager.reset()
    },
    onFilterToggle() {
      this.setData({ filterOpen: !this.data.filterOpen })
    },
    onMinPriceInput(event) {
      this.setData({ minPrice: event.detail.value })
    },
    onMaxPriceInput(event) {
      this.setData({ maxPrice: event.detail.value })
    },
    onFilterApply() {
      const { minPrice, maxPrice } = this.data
      const minPriceFen = minPrice === '' ? null : yuanToFen(minPrice)
      const maxPriceFen = maxPrice === '' ? null : yuanToFen(maxPrice)
      if ((minPrice !== '' && minPriceFen === null) || (maxPrice !== '' && maxPriceFen === null)) {
        feedback.toast('请输入正确的价格，最多两位小数')
        return
      }
      if (minPriceFen !== null && maxPriceFen !== null && minPriceFen > maxPriceFen) {
        feedback.toast('最低价不能高于最高价')
        return
      }
      this.filters = { minPriceFen, maxPriceFen }
      const range = minPrice || maxPrice ? `¥${minPrice || 0} - ${maxPrice ? `¥${maxPrice}` : '不限'}` : ''
      this.setData({ filterOpen: false, priceFilterText: range })
      this.pager.reset()
    },
    onFilterReset() {
      this.filters = { minPriceFen: null, maxPriceFen: null }
      this.setData({ minPrice: '', maxPrice: '', priceFilterText: '', filterOpen: false })
      this.pager.reset()
    },
    onRetry() {
      this.pager.more()
    },
  },
})
