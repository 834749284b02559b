// 评价晒单: stars, words and up to 6 photos for each line not reviewed yet.
const ordersService = require('../../../services/orders')
const media = require('../../../services/media')
const feedback = require('../../../utils/feedback')
const nav = require('../../../utils/nav')

const MAX_PHOTOS = 6

Component({
  properties: {
    orderId: { type: String, value: '' },
  },
  data: {
    drafts: [],
    failed: false,
    loaded: false,
    submitting: false,
    maxPhotos: MAX_PHOTOS,
  },
  methods: {
    async onLoad() {
      try {
        const order = await ordersService.getOrder(this.data.orderId)
        const drafts = order.lines
          .filter((line) => !line.is_reviewed)
          .map((line) => ({ key: line.id, line, score: 5, content: '', images: [] }))
        this.setData({ drafts, loaded: true, failed: false })
      } catch (err) {
        this.setData({ failed: true })
      }
    },
    onScoreChange(event) {
      this.setData({ [`drafts[${event.currentTarget.dataset.index}].score`]: event.detail.value })
    },
    onContentInput(event) {
      this.setData({ [`drafts[${event.currentTarget.dataset.index}].content`]: event.detail.value })
    },
    onAddPhoto(event) {
      const index = Number(event.currentTarget.dataset.index)
      const room = MAX_PHOTOS - this.data.drafts[index].images.length
      if (room <= 0) return
      wx.chooseMedia({
        count: room,
        mediaType: ['image'],
        sizeType: ['compressed'],
        success: (res) => this.upload(index, res.tempFiles.map((file) => file.tempFilePath)),
      })
    },
    async upload(index, paths) {
      for (const path of paths) {
        try {
          const url = await media.uploadImage(path)
          const images = this.data.drafts[index].images.concat(url)
          this.setData({ [`drafts[${index}].images`]: images })
        } catch (err) {
          return // api showed why; the review can still be sent without this photo.
        }
      }
    },
    onRemovePhoto(event) {
      const { index, photo } = event.currentTarget.dataset
      const images = this.data.drafts[index].images.filter((url, i) => i !== Number(photo))
      this.setData({ [`drafts[${index}].images`]: images })
    },
    async onSubmit() {
      if (this.data.submitting || !this.data.drafts.length) return
      const reviews = this.data.drafts.map((draft) => ({
        line_id: draft.line.id,
        score: draft.score,
        content: draft.content.trim(),
        images: draft.images,
      }))
      this.setData({ submitting: true })
      try {
        const created = await ordersService.reviewOrder(this.data.orderId, reviews)
        // content security held some for the merchant: say so rather than let them look lost
        if (created && created.held && created.held.length) feedback.toast('评价已提交，审核通过后展示')
        else feedback.success('评价成功')
        nav.back()
      } catch (err) {
        this.setData({ submitting: false })
      }
    },
  },
})
