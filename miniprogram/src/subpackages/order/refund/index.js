// 申请退款: pick the lines (all by default), a reason and an optional description; once the
// order has shipped, also 仅退款 or 退货退款 (send the goods back first; the after-sale page
// then asks for the return tracking number).
const ordersService = require('../../../services/orders')
const feedback = require('../../../utils/feedback')
const nav = require('../../../utils/nav')
const routes = require('../../../utils/routes')

const REASONS = ['不想要了', '商品质量问题', '商品与描述不符', '少件/漏发', '发错货', '其他']
const SHIPPED = ['shipped', 'delivering', 'completed']

Component({
  properties: {
    orderId: { type: String, value: '' },
  },
  data: {
    order: null,
    failed: false,
    reasons: REASONS,
    reason: '',
    description: '',
    chosenLineIds: [],
    lines: [],
    refundFen: 0,
    canReturn: false,
    returnGoods: false,
    submitting: false,
  },
  methods: {
    async onLoad() {
      try {
        const order = await ordersService.getOrder(this.data.orderId)
        this.setData({ order, failed: false, canReturn: SHIPPED.includes(order.status) })
        this.choose(order.lines.map((line) => line.id))
      } catch (err) {
        this.setData({ failed: true })
      }
    },
    choose(lineIds) {
      const order = this.data.order
      const everything = lineIds.length === order.lines.length
      const linesFen = order.lines.filter((line) => lineIds.includes(line.id)).reduce((sum, line) => sum + line.pay_fen, 0)
      // The whole order refunds what was paid, freight included; part of it refunds those lines.
      this.setData({
        chosenLineIds: lineIds,
        lines: order.lines.map((line) => Object.assign({ chosen: lineIds.includes(line.id) }, line)),
        refundFen: everything ? order.total_fen : linesFen,
      })
    },
    onLineToggle(event) {
      const lineId = Number(event.currentTarget.dataset.id)
      const chosen = this.data.chosenLineIds
      this.choose(chosen.includes(lineId) ? chosen.filter((id) => id !== lineId) : chosen.concat(lineId))
    },
    onKindTap(event) {
      this.setData({ returnGoods: event.currentTarget.dataset.kind === 'return' })
    },
    onReasonTap(event) {
      this.setData({ reason: event.currentTarget.dataset.reason })
    },
    onDescriptionInput(event) {
      this.setData({ description: event.detail.value })
    },
    async onSubmit() {
      const { order, reason, chosenLineIds } = this.data
      if (this.data.submitting) return
      if (!chosenLineIds.length) {
        feedback.toast('请选择要退款的商品')
        return
      }
      if (!reason) {
        feedback.toast('请选择退款原因')
        return
      }
      const description = this.data.description.trim()
      const body = { reason: description ? `${reason}：${description}` : reason }
      if (this.data.returnGoods) body.return_goods = true
      if (chosenLineIds.length < order.lines.length) {
        body.lines = order.lines.filter((line) => chosenLineIds.includes(line.id)).map((line) => ({ line_id: line.id, quantity: line.quantity }))
      }
      this.setData({ submitting: true })
      try {
        await ordersService.requestRefund(order.id, body)
        feedback.success(this.data.returnGoods ? '退货申请已提交' : '退款申请已提交')
        nav.redirect(this.data.returnGoods ? routes.orderAfterSale(order.id) : routes.orderDetail(order.id))
      } catch (err) {
        this.setData({ submitting: false })
      }
    },
  },
})
