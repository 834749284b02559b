// Draws the pages' HTML (html.js) in headless Chromium — Debian's /usr/bin/chromium through
// playwright-core, never a downloaded browser — at 375 × 667 and 2× density, writes a PNG of
// each, and measures what a shopper's eye and thumb would trip over.
const fs = require('fs')
const os = require('os')
const path = require('path')

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium'
const MIN_TAP = 44

/** Runs in the page: what is wrong with its layout, as sentences. */
function layoutProblems({ width, minTap }) {
  const problems = []
  const view = document.getElementById('view')
  const name = (el) => {
    const classes = String(el.getAttribute('class') || '').trim().split(/\s+/).filter(Boolean)
    const own = classes.filter((c) => !/^main--|--main$/.test(c)).map((c) => c.replace(/^[\w-]+--(?=[a-z])/, ''))
    return `${el.tagName.toLowerCase()}${own.length ? `.${own.slice(0, 2).join('.')}` : ''}`
  }
  const scrollsSideways = (el) => el.parentElement && el.parentElement.closest('wx-scroll-view[data-scroll-x="true"], wx-swiper')
  const shown = (el) => {
    for (let node = el; node && node !== view; node = node.parentElement) {
      const style = getComputedStyle(node)
      if (style.display === 'none' || style.visibility === 'hidden' || style.opacity === '0') return false
    }
    return true
  }
  for (const el of view.querySelectorAll('*')) {
    const box = el.getBoundingClientRect()
    if (box.width === 0 || box.height === 0 || scrollsSideways(el) || !shown(el)) continue
    const style = getComputedStyle(el)
    if (box.right > width + 0.5 || box.left < -0.5) {
      problems.push(`${name(el)} is wider than the screen (${Math.round(box.left)}…${Math.round(box.right)} px)`)
    }
    // Its own text drawn past its box (ellipsis and line clamps cut text on purpose).
    const clipsOnPurpose = style.textOverflow === 'ellipsis' || style.webkitLineClamp !== 'none'
    if (!clipsOnPurpose && style.display !== 'inline') {
      for (const node of el.childNodes) {
        if (node.nodeType !== 3 || !node.textContent.trim()) continue
        const range = document.createRange()
        range.selectNodeContents(node)
        const text = range.getBoundingClientRect()
        if (text.right > box.right + 1 || text.left < box.left - 1) {
          problems.push(`the text of ${name(el)} overflows its box ("${el.textContent.trim().slice(0, 20)}")`)
          break
        }
      }
    }
    if (el.hasAttribute('data-tappable')) {
      // What a thumb hits: the element, or the invisible ::after drawn around it (`.hit`).
      const area = getComputedStyle(el, '::after')
      const around = area.content !== 'none' && area.position === 'absolute'
      const w = Math.max(box.width, around ? parseFloat(area.width) || 0 : 0)
      const h = Math.max(box.height, around ? parseFloat(area.height) || 0 : 0)
      if (w < minTap - 0.5 || h < minTap - 0.5) {
        problems.push(`${name(el)} is a tap target of ${Math.round(w)} × ${Math.round(h)} px ("${el.textContent.trim().slice(0, 12)}")`)
      }
    }
  }
  return problems
}

/** Chromium is on this machine (the project's system-deps install it for the test command). */
function available() {
  return fs.existsSync(CHROMIUM)
}

/** In a plain Node process (playwright does not run inside jest's jsdom): the shots of `dir`. */
async function draw(dir, outDir) {
  const { chromium } = require('playwright-core')
  const shots = JSON.parse(fs.readFileSync(path.join(dir, 'shots.json'), 'utf8'))
  fs.mkdirSync(outDir, { recursive: true })
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--allow-file-access-from-files', '--font-render-hinting=none'],
  })
  const found = {}
  try {
    const context = await browser.newContext({ viewport: { width: 375, height: 667 }, deviceScaleFactor: 2, locale: 'zh-CN' })
    const page = await context.newPage()
    for (const shot of shots) {
      await page.goto(`file://${path.join(dir, `${shot.name}.html`)}`, { waitUntil: 'load' })
      await page.evaluate(() => document.fonts.ready)
      await page.locator('#phone').screenshot({ path: path.join(outDir, `${shot.name}.png`) })
      if (shot.check) found[shot.name] = await page.evaluate(layoutProblems, { width: 375, minTap: MIN_TAP })
    }
  } finally {
    await browser.close()
  }
  return found
}

/**
 * Draws each {name, html, check} into `outDir`/name.png (in a child process); returns
 * {name: [problems]} for the shots with `check` (the first screen of each page; full-length
 * shots are pictures only).
 */
async function shoot(shots, outDir) {
  const { execFile } = require('child_process')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xiaodian-pictures-'))
  try {
    for (const shot of shots) fs.writeFileSync(path.join(dir, `${shot.name}.html`), shot.html)
    fs.writeFileSync(path.join(dir, 'shots.json'), JSON.stringify(shots.map(({ name, check }) => ({ name, check }))))
    await new Promise((resolve, reject) => {
      execFile(process.execPath, [__filename, dir, outDir], { timeout: 180000 }, (error, stdout, stderr) =>
        error ? reject(new Error(`drawing the pages failed: ${stderr || error.message}`)) : resolve(stdout)
      )
    })
    return JSON.parse(fs.readFileSync(path.join(dir, 'problems.json'), 'utf8'))
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

if (require.main === module) {
  const [dir, outDir] = process.argv.slice(2)
  draw(dir, outDir)
    .then((found) => fs.writeFileSync(path.join(dir, 'problems.json'), JSON.stringify(found)))
    .catch((error) => {
      console.error(error)
      process.exit(1)
    })
}

module.exports = { shoot, available, MIN_TAP }
