// A goods tile (layout "grid") or line (layout "row"); tapping it opens the goods page, and
// with `quickAdd` a "+" puts it in the cart (or opens the spec sheet when there is a choice).
const nav = require('../../utils/nav')
const routes = require('../../utils/routes')
const { quickAdd } = require('../../utils/quick-add')

Component({
  properties: {
    goods: { type: Object, value: {} }, // GoodsCard from the API
    layout: { type: String, value: 'grid' }, // grid | row
    rank: { type: Number, value: 0 }, // 1, 2, 3… on the best-seller list
    quickAdd: { type: Boolean, value: false },
  },
  data: {
    lowStock: 10,
  },
  methods: {
    onTap() {
      const goodsId = this.data.goods && this.data.goods.id
      if (goodsId) nav.go(routes.goodsDetail(goodsId))
    },
    onQuickAdd() {
      if (this.adding) return Promise.resolve('busy')
      this.adding = true
      return quickAdd(this.data.goods).then((outcome) => {
        this.adding = false
        this.triggerEvent('quickadd', { goodsId: this.data.goods.id, outcome })
        return outcome
      })
    },
  },
})
