// A bottom sheet to pick spec values and a quantity. Emits `confirm` {skuId, quantity,
// specText, mode} once a SKU in stock is chosen, `remind` {skuId} for a sold-out one
// (到货提醒; greyed values stay choosable when such a SKU exists), and `close`. The head shows
// the chosen SKU's own picture and 划线价 (struck through), else the goods' cover and 划线价.
const sku = require('../../utils/sku')
const feedback = require('../../../../utils/feedback')

Component({
  properties: {
    goods: { type: Object, value: null },
    visible: { type: Boolean, value: false },
    mode: { type: String, value: 'select' }, // cart | buy | select
    reminded: { type: Array, value: [] }, // SKU ids the shopper already waits for
  },
  data: {
    chosen: [],
    chosenText: '',
    options: [],
    sku: null,
    quantity: 1,
    priceMin: 0,
    priceMax: 0,
    marketFen: 0,
    image: '',
    stockText: '',
    waiting: false,
  },
  observers: {
    goods(goods) {
      if (!goods || !goods.skus) return
      // The same goods item again (fresh stock, the page re-rendering): keep the shopper's choice.
      const same = this.goodsId === goods.id && this.data.chosen.length === (goods.specs || []).length
      this.goodsId = goods.id
      if (same) this.update(this.data.chosen, this.data.quantity)
      else this.update(sku.initialChoice(goods.specs || [], goods.skus), 1)
    },
    reminded(ids) {
      this.setData({ waiting: !!this.data.sku && ids.includes(this.data.sku.id) })
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
        marketFen: (found && found.market_price_fen) || goods.market_price_fen || 0,
        image: (found && found.image_url) || goods.cover_url,
        stockText: stock > 0 ? `库存${stock}${goods.unit || '件'}` : '已售罄',
        waiting: !!found && this.data.reminded.includes(found.id),
      })
    },
    onValueTap(event) {
      const { specIndex, value, disabled } = event.currentTarget.dataset
      if (disabled && !sku.exists(this.data.goods.skus, this.data.chosen, Number(specIndex), value)) return
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
      if (!chosenSku) {
        feedback.toast('该规格已售罄')
        return
      }
      if (chosenSku.stock <= 0) {
        if (this.data.waiting) feedback.toast('已设置到货提醒，到货后通知您')
        else this.triggerEvent('remind', { skuId: chosenSku.id })
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
