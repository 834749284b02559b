// The one way a price is shown: integer fen in, "¥19.90" out (via format.wxs).
Component({
  properties: {
    fen: { type: Number, value: 0 },
    size: { type: String, value: 'md' }, // sm | md | lg | xl
    strike: { type: Boolean, value: false }, // a crossed-out market price
  },
})
