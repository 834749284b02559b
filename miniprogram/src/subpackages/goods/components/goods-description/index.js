// 商品详情 as native nodes: the goods' ordered blocks of paragraphs and pictures (tap to enlarge).
const description = require('../../utils/description')

Component({
  properties: {
    goods: { type: Object, value: null },
  },
  data: {
    blocks: [],
  },
  observers: {
    goods(goods) {
      this.setData({ blocks: goods ? description.blocksOf(goods) : [] })
    },
  },
  methods: {
    onImageTap(event) {
      wx.previewImage({ urls: description.imageUrls(this.data.blocks), current: event.currentTarget.dataset.url })
    },
  },
})
