// 商品详情: photos, price, stock, spec picker, reviews preview, favorite, add to cart / buy now;
// with a running 拼团: 单独购买 ¥x / 发起拼团 ¥y and the open groups nearby (还差 N 人, 去参团).
const goodsService = require('../../../services/goods')
const cartService = require('../../../services/cart')
const meService = require('../../../services/me')
const live = require('../../../utils/live')
const feedback = require('../../../utils/feedback')
const nav = require('../../../utils/nav')
const routes = require('../../../utils/routes')
const share = require('../../../utils/share')
const scene = require('../../../utils/scene')
const poster = require('../../../utils/poster')
const wechatService = require('../../../services/wechat')
const couponStrip = require('../../../utils/coupon-strip')
const groupbuy = require('../../../services/groupbuy')
const { takeSeat } = require('../../../utils/group-seat')
const { formatCount, formatCountdown, formatPrice } = require('../../../utils/format')
const sku = require('../utils/sku')
const restock = require('../utils/restock')
const cartBadge = require('../../../utils/cart-badge')

const LOW_STOCK = 10

/** What the page says about stock: of the SKU chosen (or preselected), else of the goods item. */
function stockHint(goods, chosenSku) {
  if (!goods.is_on_shelf) return '商品已下架'
  if (goods.stock_left <= 0) return '已售罄'
  const left = chosenSku ? chosenSku.stock : goods.stock_left
  if (left <= 0) return '该规格已售罄'
  if (left <= LOW_STOCK) return `仅剩${left}${goods.unit || '件'}，欲购从速`
  return `库存充足`
}

/** The preselected SKU (the first in stock), as the picker opens with it. */
function preselected(goods) {
  return sku.findSku(goods.skus || [], sku.initialChoice(goods.specs || [], goods.skus || []))
}

Component({
  properties: {
    goodsId: { type: String, value: '' },
    scene: { type: String, value: '' }, // opened from a share code: "g=<goods id>", URI-encoded
    pick: { type: String, value: '' }, // "cart": a list card's "+" opened the page to choose a spec
  },
  data: {
    goods: null,
    failed: false,
    currentImage: 0,
    stockHint: '',
    priceFrom: false,
    buyable: false,
    salesText: '',
    specSummary: '',
    chosenText: '',
    favorite: false,
    pickerVisible: false,
    cartBadge: '',
    reminded: [],
    pickerMode: 'select',
    posterVisible: false,
    posterPath: '',
    couponCards: [],
    campaign: null,
    openGroups: [],
    aloneText: '',
    groupText: '',
  },
  lifetimes: {
    detached() {
      this.stopGroupTimer()
    },
  },
  methods: {
    async onLoad() {
      share.showMenus()
      const goodsId = scene.idFor('goods', this.data.goodsId, this.data.scene)
      if (goodsId !== this.data.goodsId) this.setData({ goodsId })
      await this.load()
      if (this.data.pick === 'cart' && this.data.buyable) this.setData({ pickerVisible: true, pickerMode: 'cart' })
      await couponStrip.load(this, this.data.goodsId)
    },
    onCouponClaim(event) {
      return couponStrip.claim(this, event.detail.id)
    },
    /** 分享海报: the goods picture, title, price and the share code, drawn on a canvas. */
    async onPoster() {
      const goods = this.data.goods
      if (!goods) return
      this.setData({ posterVisible: true, posterPath: '' })
      try {
        const codePath = await wechatService.downloadShareCode('goods', goods.id)
        const steps = poster.layout({ title: goods.title, priceFen: goods.price_fen, imagePath: goods.images[0], codePath })
        this.setData({ posterPath: await this.paint(steps) })
      } catch (err) {
        this.setData({ posterVisible: false })
        feedback.toast('海报生成失败，请稍后重试')
      }
    },
    paint(steps) {
      return poster.paint(this, '#poster-canvas', steps)
    },
    onPosterSave() {
      poster.save(this.data.posterPath)
    },
    onPosterClose() {
      this.setData({ posterVisible: false })
    },
    noop() {},
    onUnload() {
      // Both: one onUnload per page (a second key in the methods object would replace the first).
      this.stopGroupTimer()
      this.stopLive()
    },
    stopLive() {
      if (this.unsubscribeLive) this.unsubscribeLive()
      this.unsubscribeLive = null
    },
    // Live stock: a SKU that sells out while the page is open greys out at once.
    startLive(goodsId) {
      if (this.unsubscribeLive) return
      this.unsubscribeLive = live.subscribe([goodsId], {
        onFrame: (frame) => this.applyLive(frame),
        onStale: () => this.load(),
      })
    },
    applyLive(frame) {
      const goods = live.applyToGoods(this.data.goods, frame)
      if (goods) this.show(goods)
    },
    show(goods) {
      this.setData({
        goods,
        stockHint: stockHint(goods),
        buyable: goods.is_on_shelf && goods.stock_left > 0,
      })
    },
    onShow() {
      this.setData({ cartBadge: cartBadge.badgeText(cartBadge.count()) })
    },
    onShareAppMessage() {
      const goods = this.data.goods
      return share.message({ title: goods ? goods.title : '好物推荐', path: routes.goodsDetail(this.data.goodsId), imageUrl: goods && goods.images[0] })
    },
    onShareTimeline() {
      const goods = this.data.goods
      const title = goods ? `${goods.title} ¥${formatPrice(goods.price_fen)}` : '好物推荐'
      return share.timeline({ title, query: { goodsId: this.data.goodsId }, imageUrl: goods && goods.images[0] })
    },
    async load() {
      try {
        const goods = await goodsService.getGoods(this.data.goodsId)
        const prices = (goods.skus || []).filter((item) => item.is_active !== false).map((item) => item.price_fen)
        this.setData({
          goods,
          failed: false,
          favorite: !!goods.is_favorite,
          priceFrom: prices.length > 1 && Math.max(...prices) > Math.min(...prices),
          stockHint: stockHint(goods, preselected(goods)),
          buyable: goods.is_on_shelf && goods.stock_left > 0,
          salesText: `已售${formatCount(goods.sales)}`,
          specSummary: (goods.specs || []).map((spec) => spec.name).join(' / '),
        })
        this.startLive(goods.id)
      } catch (err) {
        this.setData({ failed: true })
        return
      }
      await this.loadCampaign()
    },
    async loadCampaign() {
      try {
        const [card] = await groupbuy.listCampaigns(this.data.goodsId, { silent: true })
        if (!card) {
          this.setData({ campaign: null, openGroups: [] })
          return
        }
        const campaign = await groupbuy.getCampaign(card.id, { silent: true })
        this.clockOffset = Date.parse(campaign.server_time) - Date.now()
        this.setData({
          campaign,
          aloneText: `¥${formatPrice(this.data.goods.price_fen)}`,
          groupText: `¥${formatPrice(campaign.group_price_fen)}`,
        })
        this.tickGroups()
        this.stopGroupTimer()
        if (campaign.open_groups.length) this.groupTimer = setInterval(() => this.tickGroups(), 1000)
      } catch (err) {
        // No campaign shown: the goods can still be bought alone.
        this.setData({ campaign: null, openGroups: [] })
      }
    },
    tickGroups() {
      const now = Date.now() + (this.clockOffset || 0)
      const openGroups = this.data.campaign.open_groups
        .map((group) => Object.assign({}, group, { left: Date.parse(group.expires_at) - now }))
        .filter((group) => group.left > 0)
        .map((group) => Object.assign(group, { countdown: formatCountdown(group.left) }))
      this.setData({ openGroups })
    },
    stopGroupTimer() {
      if (this.groupTimer) clearInterval(this.groupTimer)
      this.groupTimer = null
    },
    async onOpenGroupTap() {
      const campaign = this.data.campaign
      try {
        const seat = await takeSeat({ campaignId: campaign.id, skus: campaign.skus })
        if (seat) nav.go(seat.paid ? routes.payResult(seat.order.id, { groupId: seat.group.id }) : routes.group(seat.group.id))
      } catch (err) {
        // api.request already told the shopper why.
      }
    },
    onJoinGroupTap(event) {
      nav.go(routes.group(event.currentTarget.dataset.groupId))
    },
    onRetry() {
      this.load()
    },
    onSwiperChange(event) {
      this.setData({ currentImage: event.detail.current })
    },
    onImageTap(event) {
      const urls = this.data.goods.images
      wx.previewImage({ urls, current: urls[event.currentTarget.dataset.index] })
    },
    onOpenPicker(event) {
      if (!this.data.buyable) {
        feedback.toast(this.data.stockHint)
        return
      }
      const mode = event.currentTarget.dataset.mode || 'select'
      const only = sku.soleSku(this.data.goods.skus || [])
      if (only && mode !== 'select') {
        // Nothing to choose: one tap buys it (or puts it in the cart).
        this.onPickerConfirm({ detail: { skuId: only.id, quantity: 1, specText: '', mode } })
        return
      }
      this.setData({ pickerVisible: true, pickerMode: mode })
    },
    onPickerRemind(event) {
      return restock.remind(this, event.detail.skuId)
    },
    /** 到货提醒 on a sold-out goods item: its only SKU at once, else choose in the sheet. */
    onRemindTap() {
      const skus = (this.data.goods.skus || []).filter((item) => item.is_active !== false)
      if (skus.length === 1) return restock.remind(this, skus[0].id)
      this.setData({ pickerVisible: true, pickerMode: 'select' })
      return Promise.resolve(null)
    },
    onPickerClose() {
      this.setData({ pickerVisible: false })
    },
    async onPickerConfirm(event) {
      const { skuId, quantity, specText, mode } = event.detail
      const chosen = (this.data.goods.skus || []).find((item) => item.id === skuId)
      this.setData({
        pickerVisible: false,
        chosenText: `${specText ? `${specText}，` : ''}${quantity}${this.data.goods.unit || '件'}`,
        stockHint: stockHint(this.data.goods, chosen),
      })
      if (mode === 'buy') {
        nav.go(routes.checkout({ skuId, quantity }))
      } else if (mode === 'cart') {
        try {
          await cartService.addToCart(skuId, quantity)
          this.setData({ cartBadge: cartBadge.badgeText(cartBadge.count()) })
          feedback.success('已加入购物车')
        } catch (err) {
          // api already told the shopper why (库存不足, 商品已下架 …).
        }
      }
    },
    async onFavoriteTap() {
      const goodsId = this.data.goods.id
      const favorite = !this.data.favorite
      this.setData({ favorite })
      try {
        if (favorite) await meService.addFavorite(goodsId)
        else await meService.removeFavorite(goodsId)
        feedback.toast(favorite ? '已收藏' : '已取消收藏')
      } catch (err) {
        this.setData({ favorite: !favorite })
      }
    },
    onAllReviewsTap() {
      nav.go(routes.goodsReviews(this.data.goodsId))
    },
    onHomeTap() {
      nav.go(routes.TABS.home)
    },
    onCartTap() {
      nav.go(routes.TABS.cart)
    },
  },
})
