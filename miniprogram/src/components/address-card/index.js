// A delivery address (or a placeholder asking for one); emits `tap` for the parent.
Component({
  properties: {
    address: { type: Object, value: null },
    placeholder: { type: String, value: '请选择收货地址' },
    arrow: { type: Boolean, value: false },
  },
  methods: {
    onTap() {
      this.triggerEvent('select', { address: this.data.address })
    },
  },
})
