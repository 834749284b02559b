// 确认订单: lines, address, freight and totals all come from the preview API; submitting
// creates the order with an Idempotency-Key (the same key for every try of the same order,
// so a retry after a lost answer never creates a second order), then pays for it.
const ordersService = require('../../../services/orders')
const meService = require('../../../services/me')
const feedback = require('../../../utils/feedback')
const nav = require('../../../utils/nav')
const routes = require('../../../utils/routes')
const { uuid4 } = require('../../../utils/uuid')
const { formatPrice } = require('../../../utils/format')
const actions = require('../utils/order-actions')

function couponText(preview) {
  const usable = (preview.coupons || []).filter((coupon) => coupon.usable).length
  if (preview.coupon_id) return `-¥${formatPrice(preview.coupon_discount_fen)}`
  return usable ? `${usable} 张可用` : '暂无可用'
}

Component({
  properties: {
    fromCart: { type: String, value: '' },
    skuId: { type: String, value: '' },
    quantity: { type: String, value: '' },
  },
  data: {
    preview: null,
    address: null,
    note: '',
    failed: false,
    submitting: false,
    freightHint: '',
    couponText: '',
    pickerOpen: false,
    delivery: null,
  },
  methods: {
    async onLoad() {
      this.idempotencyKey = uuid4()
      const address = await this.defaultAddress()
      if (address) this.setData({ address })
      return this.loadPreview()
    },
    // The preview prices freight for the address it is given: start with the default one.
    async defaultAddress() {
      try {
        const addresses = await meService.listAddresses({ silent: true })
        return addresses.find((address) => address.is_default) || addresses[0] || null
      } catch (err) {
        return null
      }
    },
    itemsBody() {
      if (this.data.fromCart === '1') return { from_cart: true }
      return { items: [{ sku_id: Number(this.data.skuId), quantity: Math.max(1, Number(this.data.quantity) || 1) }] }
    },
    // `couponChoice`: undefined lets the server pick the best coupon, null means none, a
    // number is the user coupon the shopper picked in the sheet.
    async loadPreview() {
      const body = this.itemsBody()
      if (this.data.address) body.address_id = this.data.address.id
      if (this.couponChoice !== undefined) body.coupon_id = this.couponChoice
      if (this.data.delivery) body.delivery = this.data.delivery
      try {
        const preview = await ordersService.previewOrder(body)
        const short = preview.free_freight_threshold_fen - (preview.goods_total_fen - preview.discount_fen)
        this.setData({
          preview,
          failed: false,
          address: preview.address || this.data.address,
          freightHint: preview.freight_fen > 0 && short > 0 ? `再买 ¥${formatPrice(short)} 免运费` : '',
          couponText: couponText(preview),
        })
      } catch (err) {
        if (err.code && err.code.startsWith('coupon_') && this.couponChoice !== undefined) {
          this.couponChoice = undefined // the picked coupon went away: back to the best one
          return this.loadPreview()
        }
        this.setData({ failed: !this.data.preview })
      }
      return undefined
    },
    onCouponTap() {
      this.setData({ pickerOpen: true })
    },
    onPickerClose() {
      this.setData({ pickerOpen: false })
    },
    onCouponPick(event) {
      const id = Number(event.currentTarget.dataset.id) || null // 0: 不使用优惠券
      const option = (this.data.preview.coupons || []).find((coupon) => coupon.id === id)
      if (id !== null && (!option || !option.usable)) return
      this.couponChoice = id
      this.idempotencyKey = uuid4()
      this.setData({ pickerOpen: false })
      this.loadPreview()
    },
    onRetry() {
      this.loadPreview()
    },
    onAddressTap() {
      nav.go(routes.addresses({ select: 1 }), {
        events: {
          addressSelected: (address) => {
            // Another address can change freight: a new order attempt, so a new key.
            this.idempotencyKey = uuid4()
            this.setData({ address })
            this.loadPreview()
          },
        },
      })
    },
    // 配送 / 自提 / 快递 and the slot change the freight: price again, as a new order attempt.
    onDeliveryChange(event) {
      this.idempotencyKey = uuid4()
      this.setData({ delivery: event.detail.delivery })
      this.loadPreview()
    },
    onNoteInput(event) {
      this.setData({ note: event.detail.value })
    },
    async onSubmit() {
      if (this.data.submitting || !this.data.preview) return
      if (!this.data.address) {
        feedback.toast('请先选择收货地址')
        return
      }
      this.setData({ submitting: true })
      const body = Object.assign(this.itemsBody(), {
        address_id: this.data.address.id,
        note: this.data.note.trim(),
        coupon_id: this.data.preview.coupon_id === undefined ? null : this.data.preview.coupon_id,
      })
      if (this.data.delivery) body.delivery = this.data.delivery
      let order
      try {
        order = await ordersService.createOrder(body, this.idempotencyKey)
      } catch (err) {
        // A refused order (库存不足 …) was not created: the next try is a new order. After a
        // network failure it may exist, so the same key is kept to find it instead.
        if (err.httpStatus >= 400 && err.httpStatus < 500) {
          this.idempotencyKey = uuid4()
          const picker = this.selectComponent('.checkout__delivery')
          if (picker) picker.refresh()
          this.loadPreview()
        }
        this.setData({ submitting: false })
        return
      }
      await this.payFor(order)
    },
    async payFor(order) {
      let status = 'failed'
      try {
        status = await actions.pay(order)
      } catch (err) {
        // Prepay refused (shown by api); the order is waiting in the order list.
      }
      nav.redirect(status === 'paid' ? routes.payResult(order.id) : routes.orderDetail(order.id))
    },
  },
})
