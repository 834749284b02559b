// One coupon as a ticket: amount on the left, name/condition/validity, and a button.
Component({
  properties: {
    coupon: { type: Object, value: {} }, // from utils/coupons.card()
    actionText: { type: String, value: '' },
    disabled: { type: Boolean, value: false },
    note: { type: String, value: '' }, // why it cannot be used, or 已领取
  },
  methods: {
    onAction() {
      if (this.data.disabled) return
      this.triggerEvent('action', { id: this.data.coupon.id })
    },
  },
})
