// Grey shapes of a page while its first answer is on the way: `kind` is home, grid (a goods
// list) or detail (a goods page). Shown instead of a bare 加载中….
Component({
  properties: {
    kind: { type: String, value: 'grid' },
    cards: { type: Number, value: 4 },
  },
  data: {
    slots: [0, 1, 2, 3],
    icons: [0, 1, 2, 3, 4],
  },
  observers: {
    cards(count) {
      this.setData({ slots: Array.from({ length: Math.max(0, count) }, (_, index) => index) })
    },
  },
})
