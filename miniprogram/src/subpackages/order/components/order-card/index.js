// An order in the list: lines, total and the buttons its state allows. Tapping the card
// opens the order; a button emits `action` {action, orderId} for the page to carry out.
const nav = require('../../../../utils/nav')
const routes = require('../../../../utils/routes')

Component({
  properties: {
    order: { type: Object, value: null },
  },
  methods: {
    onOpen() {
      nav.go(routes.orderDetail(this.data.order.id))
    },
    onAction(event) {
      this.triggerEvent('action', { action: event.currentTarget.dataset.action, orderId: this.data.order.id })
    },
  },
})
