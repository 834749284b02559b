// 新增/编辑收货地址, with the region picker or a place picked on the map (wx.chooseLocation).
const meService = require('../../../services/me')
const deliveryService = require('../../../services/delivery')
const feedback = require('../../../utils/feedback')
const nav = require('../../../utils/nav')
const { validate, splitAddress } = require('../utils/address-form')
const permission = require('../../../utils/permission')

const EMPTY = { name: '', phone: '', province: '', city: '', district: '', detail: '', lat: null, lng: null, is_default: false }

Component({
  properties: {
    addressId: { type: String, value: '' },
  },
  data: {
    form: Object.assign({}, EMPTY),
    region: [],
    saving: false,
    failed: false,
  },
  methods: {
    async onLoad() {
      if (!this.data.addressId) {
        wx.setNavigationBarTitle({ title: '新增收货地址' })
        return
      }
      try {
        const address = await meService.getAddress(this.data.addressId)
        this.fill(Object.assign({}, EMPTY, address))
      } catch (err) {
        this.setData({ failed: true })
      }
    },
    fill(form) {
      this.setData({ form, region: form.province ? [form.province, form.city, form.district] : [] })
    },
    onFieldInput(event) {
      this.setData({ [`form.${event.currentTarget.dataset.field}`]: event.detail.value })
    },
    onRegionChange(event) {
      const [province, city, district] = event.detail.value
      this.fill(Object.assign({}, this.data.form, { province, city, district }))
    },
    onDefaultChange(event) {
      this.setData({ 'form.is_default': !!event.detail.value })
    },
    onChooseLocation() {
      wx.chooseLocation({
        success: (place) => {
          const parts = splitAddress(place.address)
          const form = Object.assign({}, this.data.form, {
            lat: place.latitude,
            lng: place.longitude,
            detail: `${parts.detail}${place.name && !parts.detail.includes(place.name) ? place.name : ''}`,
          })
          if (parts.province && parts.city && parts.district) Object.assign(form, { province: parts.province, city: parts.city, district: parts.district })
          this.fill(form)
        },
        fail: (err) => {
          if (permission.denied(err)) {
            permission.offerSettings('需要位置权限', '在地图上选择收货地址，需要允许小程序使用你的位置。可在设置中打开。')
          } else if (!/cancel/.test((err && err.errMsg) || '')) {
            feedback.toast('无法打开地图，请稍后再试')
          }
        },
      })
    },
    /** 导入微信地址: the address book WeChat keeps for the shopper. */
    onImportWechat() {
      wx.chooseAddress({
        success: (picked) => {
          this.fill(
            Object.assign({}, this.data.form, {
              name: picked.userName || this.data.form.name,
              phone: picked.telNumber || this.data.form.phone,
              province: picked.provinceName || '',
              city: picked.cityName || '',
              district: picked.countyName || '',
              detail: picked.detailInfo || '',
            })
          )
        },
        fail: (err) => {
          if (permission.denied(err)) {
            permission.offerSettings('需要通讯地址权限', '导入微信收货地址，需要允许小程序读取你的通讯地址。可在设置中打开。')
          }
        },
      })
    },
    async onSave() {
      const form = this.data.form
      const problem = validate(form)
      if (problem) {
        feedback.toast(problem)
        return
      }
      const body = {
        name: form.name.trim(),
        phone: form.phone.trim(),
        province: form.province,
        city: form.city,
        district: form.district,
        detail: form.detail.trim(),
        lat: form.lat,
        lng: form.lng,
        is_default: !!form.is_default,
      }
      this.setData({ saving: true })
      if (body.lat === null || body.lat === undefined) {
        // No point picked: ask the shop to geocode the typed address (community delivery
        // needs it); without a map service the address is saved as it is.
        try {
          const point = await deliveryService.geocode(`${body.province}${body.city}${body.district}${body.detail}`, body.city)
          Object.assign(body, { lat: point.lat, lng: point.lng })
        } catch (err) {
          // the checkout asks for a map pick when delivery needs one
        }
      }
      try {
        if (this.data.addressId) await meService.updateAddress(this.data.addressId, body)
        else await meService.createAddress(body)
        feedback.success('已保存')
        nav.back()
      } catch (err) {
        this.setData({ saving: false })
      }
    },
    onDelete() {
      wx.showModal({
        title: '删除地址',
        content: '确定删除这个收货地址吗？',
        confirmText: '删除',
        success: async (res) => {
          if (!res.confirm) return
          try {
            await meService.deleteAddress(this.data.addressId)
            feedback.toast('已删除')
            nav.back()
          } catch (err) {
            // api showed why.
          }
        },
      })
    },
  },
})
