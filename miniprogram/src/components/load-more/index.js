// The footer of a paged list. status: idle | loading | done | error (tap emits `retry`).
Component({
  properties: {
    status: { type: String, value: 'idle' },
  },
  methods: {
    onTap() {
      if (this.data.status === 'error') this.triggerEvent('retry')
    },
  },
})
