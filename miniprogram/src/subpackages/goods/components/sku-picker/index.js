// A bottom sheet to pick spec values and a quantity. Emits `confirm` {skuId, quantity,
// specText, mode} once a SKU in stock is chosen, and `close`.
const sku = require('../../utils/sku')
const feedback = require('../../../../utils/feedback')

Component({
  properties: {
    goods: { type: Object, value: null },
    visible: { type: Boolean, value: false },
    mode: { type: String, value: 'select' }, // cart | buy | select
  },
  data: {
    chosen: [],
    chosenText: '',
    options: [],
    sku: null,
    quantity: 1,
    priceMin: 0,
    priceMax: 0,
    image: '',
    stockText: '',
  },
  observers: {
    goods(goods) {
      if (!goods || !goods.skus) return
      this.update(sku.initialChoice(goods.specs || [], goods.skus), 1)
    },
  },
  methods: {
    update(chosen, quantity) {
      const goods = this.data.goods
      const found = sku.findSku(goods.skus, chosen)
      const range = sku.priceRange(goods.skus, chosen)
      const stock = found ? found.stock : goods.stock_left
      this.setData({
        chosen,
        chosenText: sku.specText(chosen),
        options: sku.optionStates(goods.specs || [], goods.skus, chosen),
        sku: found,
        quantity: Math.max(1, Math.min(quantity, stock || 1)),
        priceMin: range.min,
        priceMax: range.max,
        image: (found && found.image_url) || goods.cover_url,
        stockText: stock > 0 ? `库存${stock}${goods.unit || '件'}` : '已售罄',
      })
    },
    onValueTap(event) {
      const { specIndex, value, disabled } = event.currentTarget.dataset
      if (disabled) return
      this.update(sku.toggle(this.data.chosen, Number(specIndex), value), this.data.quantity)
    },
    onQuantityChange(event) {
      this.setData({ quantity: event.detail.value })
    },
    onOverLimit(event) {
      if (event.detail.type === 'max') feedback.toast('库存不足')
    },
    onClose() {
      this.triggerEvent('close')
    },
    onConfirm() {
      const goods = this.data.goods
      const missing = sku.missingSpecNames(goods.specs || [], this.data.chosen)
      if (missing.length) {
        feedback.toast(`请选择${missing.join('、')}`)
        return
      }
      const chosenSku = this.data.sku
      if (!chosenSku || chosenSku.stock <= 0) {
        feedback.toast('该规格已售罄')
        return
      }
      this.triggerEvent('confirm', {
        skuId: chosenSku.id,
        quantity: this.data.quantity,
        specText: sku.specText(this.data.chosen),
        mode: this.data.mode,
      })
    },
    noop() {},
  },
})
