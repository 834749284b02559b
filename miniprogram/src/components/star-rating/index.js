// Five stars. Read-only for averages; otherwise a tap emits `change` {value: 1..5}.
const LABELS = ['', '很差', '较差', '一般', '满意', '非常满意']

Component({
  properties: {
    value: { type: Number, value: 0 },
    readonly: { type: Boolean, value: false },
    size: { type: String, value: 'md' }, // sm | md | lg
    showLabel: { type: Boolean, value: false },
  },
  data: {
    stars: [1, 2, 3, 4, 5],
    rounded: 0,
    label: '',
  },
  observers: {
    'value, showLabel': function update(value, showLabel) {
      const rounded = Math.round(value || 0)
      this.setData({ rounded, label: showLabel ? LABELS[rounded] || '' : '' })
    },
  },
  methods: {
    onTap(event) {
      if (this.data.readonly) return
      this.triggerEvent('change', { value: Number(event.currentTarget.dataset.score) })
    },
  },
})
