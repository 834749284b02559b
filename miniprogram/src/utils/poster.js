// The share poster: the goods picture, its title and price, and the shop's share code, drawn on
// a 2d canvas (goods and group pages). `layout` is pure (what goes where); `draw` paints it on a
// canvas context.
const feedback = require('./feedback')

const WIDTH = 600
const HEIGHT = 900
const PAD = 40
const INK = { background: '#ffffff', title: '#222222', price: '#e4393c', hint: '#999999' }

/** Wrap text to lines of at most `perLine` characters; at most `maxLines`, the last cut with …. */
function wrap(text, perLine, maxLines) {
  const chars = Array.from(String(text || ''))
  const lines = []
  for (let i = 0; i < chars.length && lines.length < maxLines; i += perLine) {
    lines.push(chars.slice(i, i + perLine).join(''))
  }
  if (chars.length > perLine * maxLines) {
    const last = Array.from(lines[maxLines - 1])
    lines[maxLines - 1] = last.slice(0, perLine - 1).join('') + '…'
  }
  return lines
}

function yuan(fen) {
  return `¥${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`
}

/** Drawing steps for a poster: [{op: 'rect'|'image'|'text', …}] in paint order. `tag` (a group's
 * "3人团 · 还差2人") is drawn beside the price; `hint` replaces 长按识别小程序码. */
function layout({ title, priceFen, imagePath, codePath, tag, hint }) {
  const picture = WIDTH - PAD * 2
  const steps = [
    { op: 'rect', x: 0, y: 0, width: WIDTH, height: HEIGHT, color: INK.background },
    { op: 'image', path: imagePath, x: PAD, y: PAD, width: picture, height: picture },
  ]
  const top = PAD + picture + 50
  wrap(title, 14, 2).forEach((line, index) => {
    steps.push({ op: 'text', text: line, x: PAD, y: top + index * 40, size: 30, color: INK.title })
  })
  steps.push({ op: 'text', text: yuan(priceFen), x: PAD, y: top + 120, size: 40, color: INK.price })
  if (tag) steps.push({ op: 'text', text: wrap(tag, 12, 1)[0], x: PAD, y: top + 170, size: 24, color: INK.price })
  steps.push({ op: 'image', path: codePath, x: WIDTH - PAD - 160, y: top - 10, width: 160, height: 160 })
  steps.push({ op: 'text', text: hint || '长按识别小程序码', x: WIDTH - PAD - 160, y: top + 180, size: 20, color: INK.hint })
  return steps
}

/** Paint `steps` on a canvas 2d context; `images` maps a path to a loaded canvas image. */
function draw(ctx, steps, images) {
  steps.forEach((step) => {
    if (step.op === 'rect') {
      ctx.fillStyle = step.color
      ctx.fillRect(step.x, step.y, step.width, step.height)
    } else if (step.op === 'image' && images[step.path]) {
      ctx.drawImage(images[step.path], step.x, step.y, step.width, step.height)
    } else if (step.op === 'text') {
      ctx.fillStyle = step.color
      ctx.font = `${step.size}px sans-serif`
      ctx.fillText(step.text, step.x, step.y)
    }
  })
}

/** Draw `steps` on the page's 2d canvas `selector` and resolve with a temp file of it. */
function paint(component, selector, steps) {
  return new Promise((resolve, reject) => {
    component.createSelectorQuery().select(selector).fields({ node: true }).exec(([found]) => {
      if (!found || !found.node) return reject(new Error('no canvas'))
      const canvas = found.node
      canvas.width = WIDTH
      canvas.height = HEIGHT
      const images = {}
      const paths = steps.filter((step) => step.op === 'image').map((step) => step.path)
      const loads = paths.map((path) => new Promise((done) => {
        const image = canvas.createImage()
        image.onload = () => done((images[path] = image))
        image.onerror = () => done(null)
        image.src = path
      }))
      Promise.all(loads).then(() => {
        draw(canvas.getContext('2d'), steps, images)
        wx.canvasToTempFilePath({ canvas, success: (res) => resolve(res.tempFilePath), fail: reject })
      })
    })
  })
}

/** Save a painted poster to the phone's album, telling the shopper how it went. */
function save(filePath) {
  wx.saveImageToPhotosAlbum({
    filePath,
    success: () => feedback.toast('已保存到相册'),
    fail: () => feedback.toast('保存失败，请允许保存到相册'),
  })
}

module.exports = { WIDTH, HEIGHT, layout, draw, wrap, paint, save }
