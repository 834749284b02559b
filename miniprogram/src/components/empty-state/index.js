// "Nothing here yet" with an optional button (emits `action`).
Component({
  properties: {
    text: { type: String, value: '这里空空如也' },
    icon: { type: String, value: '∅' },
    actionText: { type: String, value: '' },
  },
  methods: {
    onAction() {
      this.triggerEvent('action')
    },
  },
})
