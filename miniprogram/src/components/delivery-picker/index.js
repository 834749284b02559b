// 配送 / 自提 / 快递 for the checkout: asks the quote for the address, offers the methods the
// shop has (delivery only inside the zone), the slots with room, and emits `change` with the
// `delivery` body the order takes ({method, slot_date?, slot_start?}). Hidden when the shop
// has no delivery settings (the quote fails): the order then keeps the shop's freight.
const deliveryService = require('../../services/delivery')
const { formatPrice } = require('../../utils/format')

function slotKey(slot) {
  return `${slot.date} ${slot.start}`
}

Component({
  properties: {
    addressId: { type: Number, value: 0, observer: 'load' },
  },
  data: {
    quote: null,
    methods: [],
    method: '',
    slots: [],
    slotIndex: -1,
    feeText: '',
    zoneText: '',
  },
  methods: {
    // The parent sets the same address again after each preview: quote once per address.
    load() {
      if (!this.data.addressId || this.data.addressId === this.quotedFor) return
      this.quotedFor = this.data.addressId
      this.refresh()
    },
    /** Ask again (slots fill up): the parent calls it after a refused order. */
    async refresh() {
      let quote
      try {
        quote = await deliveryService.quote(this.data.addressId)
      } catch (err) {
        this.setData({ quote: null, methods: [] })
        return
      }
      const methods = []
      if (quote.in_zone) methods.push({ key: 'delivery', label: '配送' })
      if (quote.pickup.available) methods.push({ key: 'pickup', label: '自提' })
      if (quote.express.available) methods.push({ key: 'express', label: '快递' })
      const slots = quote.slots
        .filter((slot) => slot.left > 0)
        .map((slot) => Object.assign({ label: `${slot.date.slice(5)} ${slot.start}-${slot.end}（余 ${slot.left}）` }, slot))
      const keep = methods.find((item) => item.key === this.data.method)
      this.setData({
        quote,
        methods,
        slots,
        slotIndex: slots.length ? 0 : -1,
        zoneText: quote.in_zone ? '' : quote.message,
      })
      this.choose(keep ? keep.key : methods.length ? methods[0].key : '')
    },
    choose(method) {
      const quote = this.data.quote
      let feeText = ''
      if (method === 'delivery') feeText = quote.fee_fen ? `配送费 ¥${formatPrice(quote.fee_fen)}` : '免配送费'
      if (method === 'pickup') feeText = `自提点：${quote.pickup.address}（${quote.pickup.hours}）`
      if (method === 'express') feeText = `快递运费 ¥${formatPrice(quote.express.fee_fen)}`
      if (method === 'delivery' && quote.free_above_fen) feeText += `，满 ¥${formatPrice(quote.free_above_fen)} 免配送费`
      this.setData({ method, feeText })
      this.emit()
    },
    onMethodTap(event) {
      this.choose(event.currentTarget.dataset.method)
    },
    onSlotChange(event) {
      this.setData({ slotIndex: Number(event.detail.value) })
      this.emit()
    },
    emit() {
      const { method, slots, slotIndex } = this.data
      if (!method) {
        this.triggerEvent('change', { delivery: null })
        return
      }
      const delivery = { method }
      if (method === 'delivery' && slotIndex >= 0) {
        delivery.slot_date = slots[slotIndex].date
        delivery.slot_start = slots[slotIndex].start
      }
      this.triggerEvent('change', { delivery, slot: method === 'delivery' && slotIndex >= 0 ? slotKey(slots[slotIndex]) : '' })
    },
  },
})
