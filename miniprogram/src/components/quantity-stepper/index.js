// − value + ; emits `change` {value} within [min, max], and `overlimit` {type: 'min'|'max'}.
Component({
  properties: {
    value: { type: Number, value: 1 },
    min: { type: Number, value: 1 },
    max: { type: Number, value: 99 },
    disabled: { type: Boolean, value: false },
  },
  methods: {
    step(delta) {
      if (this.data.disabled) return
      const next = this.data.value + delta
      if (next < this.data.min) {
        this.triggerEvent('overlimit', { type: 'min' })
        return
      }
      if (next > this.data.max) {
        this.triggerEvent('overlimit', { type: 'max' })
        return
      }
      this.triggerEvent('change', { value: next })
    },
    onMinus() {
      this.step(-1)
    },
    onPlus() {
      this.step(1)
    },
  },
})
