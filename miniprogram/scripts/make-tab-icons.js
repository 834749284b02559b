#!/usr/bin/env node
// Draws the eight tab-bar icons (81×81 PNG, grey and active red) from simple strokes, so the
// main package carries a few hundred bytes of icons instead of image files from a designer.
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
