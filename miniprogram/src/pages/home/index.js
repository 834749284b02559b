// 首页: banners, category shortcuts, promotion slots, best sellers and new arrivals.
const shop = require('../../services/shop')
const nav = require('../../utils/nav')
const routes = require('../../utils/routes')
const share = require('../../utils/share')
const { promotionSlots } = require('./promotions')
const couponStrip = require('../../utils/coupon-strip')
const storage = require('../../utils/storage')

const SHOP_NAME_KEY = 'shop-name'

Component({
  data: {
    loaded: false,
    failed: false,
    shop: null,
    banners: [],
    categories: [],
    hot: [],
    fresh: [],
    promotions: [],
    couponCards: [],
    newcomerCoupons: [],
  },
  methods: {
    async onLoad() {
      share.showMenus()
      // The shop's name from the last visit, so the first frame is titled before /home answers.
      const lastName = storage.get(SHOP_NAME_KEY)
      if (lastName) wx.setNavigationBarTitle({ title: lastName })
      await this.load()
      await couponStrip.load(this)
      const newcomer = await couponStrip.newcomerCoupons(storage)
      if (newcomer.length) this.setData({ newcomerCoupons: newcomer })
    },
    onCouponClaim(event) {
      return couponStrip.claim(this, event.detail.id)
    },
    onCouponCenterTap() {
      nav.go(routes.couponCenter())
    },
    onNewcomerClose() {
      storage.set(couponStrip.NEWCOMER_SEEN, true)
      this.setData({ newcomerCoupons: [] })
    },
    onNewcomerView() {
      this.onNewcomerClose()
      nav.go(routes.myCoupons())
    },
    onPullDownRefresh() {
      return this.load({ refresh: true }).then(() => wx.stopPullDownRefresh())
    },
    onPromotionMoreTap(event) {
      nav.go(event.currentTarget.dataset.url)
    },
    onShareAppMessage() {
      return share.message({ title: this.shareTitle(), path: routes.TABS.home, imageUrl: this.shareImage() })
    },
    onShareTimeline() {
      return share.timeline({ title: this.shareTitle(), imageUrl: this.shareImage() })
    },
    shareTitle() {
      return (this.data.shop && this.data.shop.name) || '小店'
    },
    shareImage() {
      const banner = (this.data.banners || [])[0]
      return banner ? banner.image_url : ''
    },
    async load({ refresh = false } = {}) {
      try {
        const home = await shop.getHome({ refresh })
        this.setData({
          loaded: true,
          failed: false,
          shop: home.shop || null,
          banners: home.banners || [],
          categories: home.categories || [],
          hot: home.hot || [],
          fresh: home.new || [],
          promotions: promotionSlots(home.promotions),
        })
        if (home.shop && home.shop.name && home.shop.name !== storage.get(SHOP_NAME_KEY)) {
          wx.setNavigationBarTitle({ title: home.shop.name })
          storage.set(SHOP_NAME_KEY, home.shop.name)
        }
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
    onBannerTap(event) {
      const banner = this.data.banners[event.currentTarget.dataset.index]
      if (banner) nav.openLink(banner.link_type, banner.link_value)
    },
    onCategoryTap(event) {
      const { id, name } = event.currentTarget.dataset
      nav.go(routes.goodsList({ categoryId: id, title: name }))
    },
    onAllCategoriesTap() {
      nav.go(routes.TABS.category)
    },
    onMoreTap(event) {
      const { sort, title } = event.currentTarget.dataset
      nav.go(routes.goodsList({ sort, title }))
    },
  },
})
