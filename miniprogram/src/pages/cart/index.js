// 购物车: every change goes to the server, which answers with the whole cart; the page only
// shows what the server says (totals, stock warnings, lines that can no longer be bought).
const cartService = require('../../services/cart')
const feedback = require('../../utils/feedback')
const live = require('../../utils/live')
const nav = require('../../utils/nav')
const routes = require('../../utils/routes')
const shopService = require('../../services/shop')
const { formatPrice } = require('../../utils/format')

// is_available is false when the goods went off the shelf or the SKU was withdrawn.
function warningFor(item) {
  if (!item.is_available) return '已下架'
  if (item.stock_short) return item.stock > 0 ? `库存仅剩${item.stock}件` : '已售罄'
  return ''
}

Component({
  data: {
    loaded: false,
    failed: false,
    items: [],
    allSelected: false,
    selectedQuantity: 0,
    selectedTotalFen: 0,
    hasProblem: false,
    freightHint: '',
    freightFree: false,
  },
  methods: {
    onShow() {
      return this.refresh()
    },
    onHide() {
      this.stopLive()
    },
    onUnload() {
      this.stopLive()
    },
    stopLive() {
      if (this.unsubscribeLive) this.unsubscribeLive()
      this.unsubscribeLive = null
      this.liveKey = ''
    },
    // Live stock: lines that went short while the cart is open are flagged at once.
    watchLive(items) {
      const ids = Array.from(new Set(items.map((item) => item.goods_id))).sort((a, b) => a - b)
      const key = ids.join(',')
      if (key === this.liveKey) return
      this.stopLive()
      if (!ids.length) return
      this.liveKey = key
      this.unsubscribeLive = live.subscribe(ids, {
        onFrame: (frame) => this.applyLive(frame),
        onStale: () => this.refresh(),
      })
    },
    applyLive(frame) {
      const stocks = new Map()
      if (frame.type === 'stock') stocks.set(frame.sku_id, frame.stock)
      if (frame.type === 'snapshot') frame.skus.forEach((sku) => stocks.set(sku.sku_id, sku.stock))
      const gone = frame.type === 'off_shelf' || (frame.type === 'snapshot' && !frame.on_sale)
      let changed = false
      const items = this.data.items.map((item) => {
        if (item.goods_id !== frame.goods_id) return item
        const next = Object.assign({}, item)
        if (gone) next.is_available = false
        if (stocks.has(item.sku_id)) {
          next.stock = stocks.get(item.sku_id)
          next.stock_short = next.stock < item.quantity
        }
        next.warning = warningFor(next)
        changed = changed || next.warning !== item.warning || next.stock !== item.stock
        return next
      })
      if (!changed) return
      this.setData({ items, hasProblem: items.some((item) => item.selected && item.warning) })
    },
    onPullDownRefresh() {
      return this.refresh().then(() => wx.stopPullDownRefresh())
    },
    async refresh() {
      shopService
        .getHome({ silent: true })
        .then((home) => {
          this.threshold = (home && home.shop && home.shop.free_freight_threshold_fen) || 0
          this.showFreight()
        })
        .catch(() => {})
      const version = this.nextVersion()
      try {
        this.apply(await cartService.getCart(), version)
      } catch (err) {
        this.setData({ failed: !this.data.loaded })
      }
    },
    // Responses can come back out of order when the shopper taps quickly: keep the newest.
    nextVersion() {
      this.version = (this.version || 0) + 1
      return this.version
    },
    apply(cart, version) {
      if (version !== this.version) return
      const items = (cart.items || []).map((item) => Object.assign({}, item, { warning: warningFor(item) }))
      this.setData({
        loaded: true,
        failed: false,
        items,
        allSelected: !!cart.all_selected,
        selectedQuantity: cart.selected_quantity || 0,
        selectedTotalFen: cart.selected_total_fen || 0,
        hasProblem: items.some((item) => item.selected && item.warning),
      })
      this.watchLive(items)
      this.showFreight()
    },
    /** 满 ¥99 免运费，还差 ¥x (on the selected lines, as checkout counts them before discounts). */
    showFreight() {
      const threshold = this.threshold || 0
      const total = this.data.selectedTotalFen
      if (!threshold || !this.data.selectedQuantity) {
        this.setData({ freightHint: '', freightFree: false })
        return
      }
      const free = total >= threshold
      this.setData({
        freightFree: free,
        freightHint: free ? `已满 ¥${formatPrice(threshold)}，免运费` : `满 ¥${formatPrice(threshold)} 免运费，还差 ¥${formatPrice(threshold - total)}`,
      })
    },
    async change(call) {
      const version = this.nextVersion()
      try {
        this.apply(await call(), version)
      } catch (err) {
        // The toast is shown by api; reload so the page matches the server again.
        this.refresh()
      }
    },
    findItem(event) {
      const itemId = Number(event.currentTarget.dataset.id)
      return this.data.items.find((item) => item.id === itemId)
    },
    onToggle(event) {
      const item = this.findItem(event)
      if (!item) return
      if (!item.is_available) {
        feedback.toast('该商品已下架，无法选择')
        return
      }
      this.change(() => cartService.updateCartItem(item.id, { selected: !item.selected }))
    },
    onQuantityChange(event) {
      const item = this.findItem(event)
      if (item) this.change(() => cartService.updateCartItem(item.id, { quantity: event.detail.value }))
    },
    onOverLimit(event) {
      feedback.toast(event.detail.type === 'max' ? '库存不足' : '数量不能再少了，可左滑或点删除移除')
    },
    onDelete(event) {
      const item = this.findItem(event)
      if (!item) return
      wx.showModal({
        title: '删除商品',
        content: `确定从购物车删除「${item.title}」吗？`,
        confirmText: '删除',
        success: (res) => {
          if (res.confirm) this.change(() => cartService.removeCartItem(item.id))
        },
      })
    },
    onSelectAll() {
      this.change(() => cartService.selectAll(!this.data.allSelected))
    },
    onOpenGoods(event) {
      nav.go(routes.goodsDetail(event.currentTarget.dataset.goodsId))
    },
    onCheckout() {
      if (!this.data.selectedQuantity) {
        feedback.toast('请先选择要结算的商品')
        return
      }
      if (this.data.hasProblem) {
        feedback.toast('部分选中商品库存不足或已下架，请调整后再结算')
        return
      }
      nav.go(routes.checkout({ fromCart: 1 }))
    },
    onGoShopping() {
      nav.go(routes.TABS.home)
    },
    onRetry() {
      this.refresh()
    },
  },
})
