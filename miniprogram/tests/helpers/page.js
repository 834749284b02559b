// Loading pages and components with miniprogram-simulate, and small helpers to drive them.
const fs = require('fs')
const path = require('path')
const simulate = require('miniprogram-simulate')
const simulateUtils = require('miniprogram-simulate/src/utils')

// simulate runs each component's script with require(), which jest caches: a component
// shared by two pages (price-tag) would register only once and render empty in the second.
// Run the component file itself afresh every time, while the modules it requires stay
// shared singletons — as they are in WeChat.
simulateUtils.runJs = (filePath) => {
  const file = require.resolve(filePath)
  const dirname = path.dirname(file)
  const module = { exports: {} }
  const localRequire = (request) => require(request.startsWith('.') ? path.resolve(dirname, request) : request)
  // eslint-disable-next-line no-new-func
  new Function('require', 'module', 'exports', '__filename', '__dirname', fs.readFileSync(file, 'utf8'))(
    localRequire,
    module,
    module.exports,
    file,
    dirname
  )
}

const SRC = path.join(__dirname, '..', '..', 'src')
const LOAD_OPTIONS = { rootPath: SRC, compilerOptions: { maxBuffer: 64 * 1024 * 1024 } }

// Compiling and registering a page once per test file is enough; render it many times.
const loaded = {}

/** Render `file` (e.g. 'pages/home/index') with `properties`, attached to a parent node. */
function mount(file, properties = {}) {
  if (!loaded[file]) loaded[file] = simulate.load(path.join(SRC, file), LOAD_OPTIONS)
  const id = loaded[file]
  const comp = simulate.render(id, properties)
  comp.attach(document.createElement('parent-wrapper'))
  return comp
}

/** A page as WeChat would open it: properties from the query, then onLoad and onShow. */
async function openPage(file, query = {}) {
  const page = mount(file, query)
  const channel = openerChannel(global.wx.state.openerEvents)
  page.instance.getOpenerEventChannel = () => channel
  if (page.instance.onLoad) await page.instance.onLoad(Object.assign({}, query))
  if (page.instance.onShow) await page.instance.onShow()
  return page
}

/** The event channel a page opened with wx.navigateTo({events}) talks back through. */
function openerChannel(events) {
  return {
    emit(name, payload) {
      if (events && events[name]) events[name](payload)
    },
  }
}

/**
 * Nodes matching `selector`; "a >>> b" looks for b inside the child component(s) matched by a,
 * as selectComponent does in WeChat.
 */
function all(comp, selector) {
  const steps = selector.split('>>>').map((step) => step.trim())
  let nodes = [comp]
  for (const step of steps) {
    nodes = nodes.reduce((found, node) => found.concat(node.querySelectorAll(step)), [])
  }
  return nodes
}

function find(comp, selector, index = 0) {
  const found = all(comp, selector)[index]
  if (!found) throw new Error(`nothing matches ${selector}[${index}]`)
  return found
}

function clean(node) {
  return node.dom.textContent.replace(/\s+/g, ' ').trim()
}

function text(comp, selector, index = 0) {
  const found = all(comp, selector)[index]
  return found ? clean(found) : null
}

function texts(comp, selector) {
  return all(comp, selector).map(clean)
}

async function tap(comp, selector, index = 0) {
  find(comp, selector, index).dispatchEvent('tap')
  await settle()
}

async function input(comp, selector, value, index = 0) {
  find(comp, selector, index).dispatchEvent('input', { detail: { value } })
  await settle()
}

function settle(ms = 0) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Wait until `check()` returns a truthy value (and return it), or fail after `timeout` ms. */
async function waitFor(check, { timeout = 5000, interval = 10, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout
  let lastError = null
  for (;;) {
    try {
      const value = await check()
      if (value) return value
    } catch (err) {
      lastError = err
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${message}${lastError ? `: ${lastError.message}` : ''}`)
    }
    await settle(interval)
  }
}

/** Query parameters of a page URL as an object. */
function queryOf(url) {
  const query = {}
  const search = url.split('?')[1] || ''
  search.split('&').filter(Boolean).forEach((pair) => {
    const [key, value] = pair.split('=')
    query[key] = decodeURIComponent(value || '')
  })
  return query
}

module.exports = { SRC, mount, openPage, find, all, text, texts, tap, input, settle, waitFor, queryOf, simulate }
