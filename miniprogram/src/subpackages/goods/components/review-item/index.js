// One shopper review: who, stars, when, what, photos (tap to enlarge) and the shop's reply.
const { formatDate } = require('../../../../utils/format')

Component({
  properties: {
    review: { type: Object, value: null },
  },
  data: {
    date: '',
  },
  observers: {
    review(review) {
      this.setData({ date: review ? formatDate(review.created_at) : '' })
    },
  },
  methods: {
    onPhotoTap(event) {
      const urls = this.data.review.images
      wx.previewImage({ urls, current: urls[event.currentTarget.dataset.index] })
    },
  },
})
