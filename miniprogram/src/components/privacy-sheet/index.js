// The consent sheet WeChat's privacy rules ask for: the shop's privacy guide, 不同意 / 同意.
// Put on every page that calls an API the guide covers; utils/privacy opens the top one.
const privacy = require('../../utils/privacy')

const AGREE_BUTTON = 'privacy-agree'

Component({
  data: {
    visible: false,
    contractName: '《隐私保护指引》',
    agreeButton: AGREE_BUTTON,
  },
  lifetimes: {
    attached() {
      privacy.attach(this)
    },
    detached() {
      privacy.detach(this)
    },
  },
  methods: {
    open() {
      this.setData({ visible: true })
      if (typeof wx.getPrivacySetting !== 'function') return
      wx.getPrivacySetting({
        success: (setting) => {
          if (setting.privacyContractName) this.setData({ contractName: setting.privacyContractName })
        },
      })
    },
    onOpenContract() {
      if (typeof wx.openPrivacyContract === 'function') wx.openPrivacyContract({ fail: () => {} })
    },
    onAgree() {
      this.setData({ visible: false })
      privacy.answer(true, AGREE_BUTTON)
      this.triggerEvent('answer', { agreed: true })
    },
    onRefuse() {
      this.setData({ visible: false })
      privacy.answer(false)
      this.triggerEvent('answer', { agreed: false })
    },
    noop() {},
  },
})
