// 收货地址. Opened with select=1 from checkout, a tap hands the address back through the
// opener's event channel (addressSelected) and returns; otherwise it opens the editor.
const meService = require('../../../services/me')
const nav = require('../../../utils/nav')
const routes = require('../../../utils/routes')

Component({
  properties: {
    select: { type: String, value: '' },
  },
  data: {
    addresses: [],
    loaded: false,
    failed: false,
  },
  methods: {
    onLoad() {
      if (this.data.select === '1') wx.setNavigationBarTitle({ title: '选择收货地址' })
    },
    onShow() {
      return this.load()
    },
    async load() {
      try {
        const addresses = await meService.listAddresses()
        this.setData({ addresses, loaded: true, failed: false })
      } catch (err) {
        this.setData({ failed: !this.data.loaded })
      }
    },
    onAddressTap(event) {
      const address = this.data.addresses[event.currentTarget.dataset.index]
      if (this.data.select === '1') {
        this.getOpenerEventChannel().emit('addressSelected', address)
        nav.back()
      } else {
        nav.go(routes.addressEdit(address.id))
      }
    },
    onEditTap(event) {
      nav.go(routes.addressEdit(event.currentTarget.dataset.id))
    },
    onAddTap() {
      nav.go(routes.addressEdit())
    },
    onRetry() {
      this.load()
    },
  },
})
