// 客服: WeChat's own customer-service chat (<button open-type="contact">) and a call to the shop's
// phone (from the home answer, kept a few minutes). `from` tells the chat where the shopper was.
const shopService = require('../../services/shop')

Component({
  properties: {
    from: { type: String, value: '' },
  },
  data: {
    phone: '',
  },
  lifetimes: {
    async attached() {
      try {
        const home = await shopService.getHome({ silent: true })
        this.setData({ phone: (home && home.shop && home.shop.service_phone) || '' })
      } catch (err) {
        // No phone to show: the chat still works.
      }
    },
  },
  methods: {
    onCall() {
      wx.makePhoneCall({ phoneNumber: this.data.phone, fail() {} })
    },
  },
})
