// 商品详情: photos, price, stock, spec picker, reviews preview, favorite, add to cart / buy now.
const goodsService = require('../../../services/goods')
const cartService = require('../../../services/cart')
const meService = require('../../../services/me')
const feedback = require('../../../utils/feedback')
const nav = require('../../../utils/nav')
const routes = require('../../../utils/routes')
const scene = require('../../../utils/scene')
const { formatCount } = require('../../../utils/format')

const LOW_STOCK = 10

function stockHint(goods) {
  if (!goods.is_on_shelf) return '商品已下架'
  if (goods.stock_left <= 0) return '已售罄'
  if (goods.stock_left <= LOW_STOCK) return `仅剩${goods.stock_left}${goods.unit || '件'}，欲购从速`
  return `库存充足`
}

Component({
  properties: {
    goodsId: { type: String, value: '' },
    scene: { type: String, value: '' }, // opened from a share code: "g=<goods id>", URI-encoded
  },
  data: {
    goods: null,
    failed: false,
    currentImage: 0,
    stockHint: '',
    buyable: false,
    salesText: '',
    specSummary: '',
    chosenText: '',
    favorite: false,
    pickerVisible: false,
    pickerMode: 'select',
  },
  methods: {
    onLoad() {
      const goodsId = scene.idFor('goods', this.data.goodsId, this.data.scene)
      if (goodsId !== this.data.goodsId) this.setData({ goodsId })
      return this.load()
    },
    onShareAppMessage() {
      const goods = this.data.goods
      return { title: goods ? goods.title : '好物推荐', path: routes.goodsDetail(this.data.goodsId) }
    },
    async load() {
      try {
        const goods = await goodsService.getGoods(this.data.goodsId)
        this.setData({
          goods,
          failed: false,
          favorite: !!goods.is_favorite,
          stockHint: stockHint(goods),
          buyable: goods.is_on_shelf && goods.stock_left > 0,
          salesText: `已售${formatCount(goods.sales)}`,
          specSummary: (goods.specs || []).map((spec) => spec.name).join(' / '),
        })
      } catch (err) {
        this.setData({ failed: true })
      }
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
      this.setData({ pickerVisible: true, pickerMode: event.currentTarget.dataset.mode || 'select' })
    },
    onPickerClose() {
      this.setData({ pickerVisible: false })
    },
    async onPickerConfirm(event) {
      const { skuId, quantity, specText, mode } = event.detail
      this.setData({ pickerVisible: false, chosenText: `${specText ? `${specText}，` : ''}${quantity}${this.data.goods.unit || '件'}` })
      if (mode === 'buy') {
        nav.go(routes.checkout({ skuId, quantity }))
      } else if (mode === 'cart') {
        try {
          await cartService.addToCart(skuId, quantity)
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
