// A goods tile (layout "grid") or line (layout "row"); tapping it opens the goods page.
const nav = require('../../utils/nav')
const routes = require('../../utils/routes')

Component({
  properties: {
    goods: { type: Object, value: {} }, // GoodsCard from the API
    layout: { type: String, value: 'grid' }, // grid | row
    rank: { type: Number, value: 0 }, // 1, 2, 3… on the best-seller list
  },
  data: {
    lowStock: 10,
  },
  methods: {
    onTap() {
      const goodsId = this.data.goods && this.data.goods.id
      if (goodsId) nav.go(routes.goodsDetail(goodsId))
    },
  },
})
