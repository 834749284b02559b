#!/usr/bin/env node
// Draws the eight tab-bar icons (81×81 PNG, grey and active red), the order-state icons of
// 我的 (dark grey, in images/icons/) and the goods page's bottom-bar icons (in the goods
// subpackage, which alone uses them) from simple strokes, so the main package carries a few
// hundred bytes of icons instead of image files from a designer.
// Run once after changing a shape or a colour: `node scripts/make-tab-icons.js`.
const fs = require('fs')
const path = require('path')
const zlib = require('zlib')

const SIZE = 81
const SUPERSAMPLE = 4
const STROKE = 5
const COLORS = { normal: [0x99, 0x99, 0x99], active: [0xe4, 0x39, 0x3c] }
const OUT = path.join(__dirname, '..', 'src', 'images', 'tab')

// Shapes in a 0..81 coordinate space; each is a function (x, y) → inside?
const seg = (ax, ay, bx, by, w = STROKE) => (x, y) => {
  const dx = bx - ax
  const dy = by - ay
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
  return Math.hypot(x - (ax + t * dx), y - (ay + t * dy)) <= w / 2
}
const ring = (cx, cy, r, w = STROKE) => (x, y) => Math.abs(Math.hypot(x - cx, y - cy) - r) <= w / 2
const disc = (cx, cy, r) => (x, y) => Math.hypot(x - cx, y - cy) <= r
const arc = (cx, cy, r, fromDeg, toDeg, w = STROKE) => (x, y) => {
  let angle = (Math.atan2(y - cy, x - cx) * 180) / Math.PI
  if (angle < 0) angle += 360
  return angle >= fromDeg && angle <= toDeg && ring(cx, cy, r, w)(x, y)
}
const box = (x0, y0, x1, y1, r) => {
  const corners = [
    [x0 + r, y0 + r],
    [x1 - r, y0 + r],
    [x0 + r, y1 - r],
    [x1 - r, y1 - r],
  ]
  return [
    seg(x0 + r, y0, x1 - r, y0),
    seg(x0 + r, y1, x1 - r, y1),
    seg(x0, y0 + r, x0, y1 - r),
    seg(x1, y0 + r, x1, y1 - r),
    arc(corners[0][0], corners[0][1], r, 180, 270),
    arc(corners[1][0], corners[1][1], r, 270, 360),
    arc(corners[2][0], corners[2][1], r, 90, 180),
    arc(corners[3][0], corners[3][1], r, 0, 90),
  ]
}

const ICONS = {
  home: [
    seg(12, 38, 40.5, 13),
    seg(40.5, 13, 69, 38),
    seg(20, 33, 20, 68),
    seg(61, 33, 61, 68),
    seg(20, 68, 61, 68),
    seg(34, 68, 34, 50),
    seg(47, 68, 47, 50),
    seg(34, 50, 47, 50),
  ],
  category: [...box(12, 12, 36, 36, 5), ...box(45, 12, 69, 36, 5), ...box(12, 45, 36, 69, 5), ...box(45, 45, 69, 69, 5)],
  cart: [
    seg(8, 14, 18, 14),
    seg(18, 14, 26, 52),
    seg(22, 24, 71, 24),
    seg(71, 24, 64, 46),
    seg(64, 46, 25, 50),
    seg(26, 52, 66, 52),
    disc(31, 64, 5),
    disc(60, 64, 5),
  ],
  me: [ring(40.5, 26, 13), arc(40.5, 72, 27, 190, 350), seg(14, 67.5, 67, 67.5)],
}

// 我的 → 我的订单: one icon per state (待支付, 待发货, 待收货, 待评价, 售后).
const ORDER_ICONS = {
  'order-pending': [...box(10, 20, 71, 66, 7), seg(10, 34, 71, 34), disc(56, 50, 4.5)],
  'order-paid': [seg(40.5, 10, 71, 24), seg(40.5, 10, 10, 24), seg(10, 24, 10, 58), seg(71, 24, 71, 58), seg(10, 58, 40.5, 72), seg(71, 58, 40.5, 72), seg(10, 24, 40.5, 38), seg(71, 24, 40.5, 38), seg(40.5, 38, 40.5, 72)],
  'order-shipped': [...box(8, 22, 48, 56, 4), seg(48, 32, 62, 32), seg(62, 32, 72, 44), seg(72, 44, 72, 56), seg(48, 56, 72, 56), ring(22, 60, 6), ring(60, 60, 6)],
  'order-review': [...box(10, 14, 71, 56, 8), seg(24, 56, 18, 70), seg(18, 70, 36, 56), disc(28, 35, 3.5), disc(40.5, 35, 3.5), disc(53, 35, 3.5)],
  'order-after-sale': [arc(40.5, 42, 26, 200, 360), arc(40.5, 42, 26, 0, 160), seg(16, 33, 14, 50), seg(16, 33, 30, 40), seg(30, 42, 51, 42), seg(30, 52, 51, 52), seg(40.5, 42, 40.5, 62)],
}
const ICON_COLOR = [0x33, 0x33, 0x33]
const ICONS_OUT = path.join(__dirname, '..', 'src', 'images', 'icons')

// A five-pointed star's corners, outer and inner in turn, the top point first.
const STAR = Array.from({ length: 10 }, (_, i) => {
  const radius = i % 2 ? 12.5 : 31
  const angle = ((-90 + i * 36) * Math.PI) / 180
  return [40.5 + radius * Math.cos(angle), 43 + radius * Math.sin(angle)]
})
const starOutline = STAR.map(([ax, ay], i) => seg(ax, ay, STAR[(i + 1) % 10][0], STAR[(i + 1) % 10][1]))
const insidePolygon = (points) => (x, y) => {
  let inside = false
  for (let i = 0, j = points.length - 1; i < points.length; j = i, i += 1) {
    const [xi, yi] = points[i]
    const [xj, yj] = points[j]
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

// 商品详情's bottom bar: 首页, 购物车, 收藏 (outline; filled in the star colour once saved).
const BAR_GREY = [0x66, 0x66, 0x66]
const BAR_STAR = [0xff, 0xb4, 0x00]
const BAR_ICONS = {
  'bar-home': [ICONS.home, BAR_GREY],
  'bar-cart': [ICONS.cart, BAR_GREY],
  'bar-favorite': [starOutline, BAR_GREY],
  'bar-favorite-on': [[...starOutline, insidePolygon(STAR)], BAR_STAR],
}
const BAR_OUT = path.join(__dirname, '..', 'src', 'subpackages', 'goods', 'images')

function crc32(buf) {
  let c
  const table = []
  for (let n = 0; n < 256; n += 1) {
    c = n
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  let crc = 0xffffffff
  for (const byte of buf) crc = table[(crc ^ byte) & 0xff] ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

function chunk(type, data) {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

function png(shapes, [r, g, b]) {
  const rows = []
  for (let y = 0; y < SIZE; y += 1) {
    const row = Buffer.alloc(1 + SIZE * 4)
    for (let x = 0; x < SIZE; x += 1) {
      let hits = 0
      for (let sy = 0; sy < SUPERSAMPLE; sy += 1) {
        for (let sx = 0; sx < SUPERSAMPLE; sx += 1) {
          const px = x + (sx + 0.5) / SUPERSAMPLE
          const py = y + (sy + 0.5) / SUPERSAMPLE
          if (shapes.some((inside) => inside(px, py))) hits += 1
        }
      }
      row.set([r, g, b, Math.round((255 * hits) / (SUPERSAMPLE * SUPERSAMPLE))], 1 + x * 4)
    }
    rows.push(row)
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(SIZE, 0)
  header.writeUInt32BE(SIZE, 4)
  header.set([8, 6, 0, 0, 0], 8) // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

fs.mkdirSync(OUT, { recursive: true })
for (const [name, shapes] of Object.entries(ICONS)) {
  for (const [state, color] of Object.entries(COLORS)) {
    const file = path.join(OUT, state === 'active' ? `${name}-active.png` : `${name}.png`)
    const data = png(shapes, color)
    fs.writeFileSync(file, data)
    console.log(`${path.relative(process.cwd(), file)} ${data.length} bytes`)
  }
}
fs.mkdirSync(ICONS_OUT, { recursive: true })
for (const [name, shapes] of Object.entries(ORDER_ICONS)) {
  const file = path.join(ICONS_OUT, `${name}.png`)
  const data = png(shapes, ICON_COLOR)
  fs.writeFileSync(file, data)
  console.log(`${path.relative(process.cwd(), file)} ${data.length} bytes`)
}
fs.mkdirSync(BAR_OUT, { recursive: true })
for (const [name, [shapes, color]] of Object.entries(BAR_ICONS)) {
  const file = path.join(BAR_OUT, `${name}.png`)
  const data = png(shapes, color)
  fs.writeFileSync(file, data)
  console.log(`${path.relative(process.cwd(), file)} ${data.length} bytes`)
}
