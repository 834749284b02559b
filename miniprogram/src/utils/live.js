// Live stock: one WebSocket (wx.connectSocket) for the whole app. Pages subscribe to goods ids
// and hear `snapshot`, `stock`, `price` and `off_shelf` frames as they happen on the server.
// It reconnects with backoff and subscribes again; while it is down, pages are told to refresh
// over REST instead (`onStale`). A gap in a goods item's `seq` asks for a fresh snapshot.
const config = require('../config')

const BACKOFF_MS = [1000, 2000, 5000, 10000, 30000]
const PING_MS = 25000 // the server closes a socket it heard nothing from for 75 s
const CLOSE = { IDLE: 4000, SLOW: 4008, TOO_MANY: 4029 }

let socket = null
let isOpen = false
let attempt = 0
let reconnectTimer = null
let pingTimer = null
let nextId = 1
const subscribers = new Map() // id -> { goodsIds: Set, onFrame, onStale }
const lastSeq = new Map() // goodsId -> seq of the last frame applied

function watchedIds() {
  const ids = new Set()
  subscribers.forEach((s) => s.goodsIds.forEach((id) => ids.add(id)))
  return Array.from(ids)
}

function send(message) {
  if (!socket || !isOpen) return false
  try {
    socket.send({ data: JSON.stringify(message) })
    return true
  } catch (err) {
    return false
  }
}

function deliver(goodsId, frame) {
  subscribers.forEach((s) => {
    if (s.goodsIds.has(goodsId) && s.onFrame) s.onFrame(frame)
  })
}

function onMessage({ data }) {
  let frame
  try {
    frame = JSON.parse(data)
  } catch (err) {
    return
  }
  const goodsId = frame.goods_id
  if (frame.type === 'snapshot') {
    lastSeq.set(goodsId, frame.seq)
    deliver(goodsId, frame)
    return
  }
  if (goodsId === undefined || typeof frame.seq !== 'number') return // pong, error frames
  const last = lastSeq.get(goodsId)
  if (last === undefined) return // its snapshot is on its way and includes this
  if (frame.seq <= last) return // already in the snapshot
  lastSeq.set(goodsId, frame.seq)
  deliver(goodsId, frame) // values are absolute: applying one after a gap is still right
  if (frame.seq !== last + 1) send({ op: 'subscribe', goods_ids: [goodsId] }) // fresh snapshot
}

function stale() {
  subscribers.forEach((s) => s.onStale && s.onStale())
}

function stopPing() {
  if (pingTimer) clearInterval(pingTimer)
  pingTimer = null
}

function scheduleReconnect(code) {
  if (reconnectTimer || !subscribers.size) return
  const steps = code === CLOSE.TOO_MANY ? BACKOFF_MS.length - 1 : Math.min(attempt, BACKOFF_MS.length - 1)
  attempt += 1
  reconnectTimer = setTimeout(() => {
    reconnectTimer = null
    connect()
  }, BACKOFF_MS[steps])
}

function connect() {
  if (socket || !subscribers.size) return
  let task
  try {
    task = wx.connectSocket({ url: config.socketBase() })
  } catch (err) {
    stale()
    scheduleReconnect()
    return
  }
  socket = task
  task.onOpen(() => {
    if (socket !== task) return
    isOpen = true
    attempt = 0
    lastSeq.clear()
    const ids = watchedIds()
    if (ids.length) send({ op: 'subscribe', goods_ids: ids })
    stopPing()
    pingTimer = setInterval(() => send({ op: 'ping' }), PING_MS)
  })
  task.onMessage(onMessage)
  const lost = (event) => {
    if (socket !== task) return
    socket = null
    isOpen = false
    stopPing()
    lastSeq.clear()
    if (!subscribers.size) return
    stale() // what happened while it was down is fetched over REST
    scheduleReconnect(event && event.code)
  }
  task.onClose(lost)
  task.onError(lost)
}

/**
 * Hear about these goods: `onFrame(frame)` for each snapshot and change, `onStale()` when the
 * socket went down (refresh over REST). Returns a function that stops listening.
 */
function subscribe(goodsIds, { onFrame, onStale } = {}) {
  const id = nextId++
  const ids = new Set(goodsIds.map(Number).filter((n) => n > 0))
  subscribers.set(id, { goodsIds: ids, onFrame, onStale })
  if (socket && isOpen) send({ op: 'subscribe', goods_ids: Array.from(ids) })
  else connect()
  return function unsubscribe() {
    if (!subscribers.delete(id)) return
    const still = new Set(watchedIds())
    const gone = Array.from(ids).filter((g) => !still.has(g))
    if (gone.length) {
      send({ op: 'unsubscribe', goods_ids: gone })
      gone.forEach((g) => lastSeq.delete(g))
    }
    if (!subscribers.size) close()
  }
}

function close() {
  if (reconnectTimer) clearTimeout(reconnectTimer)
  reconnectTimer = null
  stopPing()
  const task = socket
  socket = null
  isOpen = false
  if (task) {
    try {
      task.close({ code: 1000 })
    } catch (err) {
      // already closed
    }
  }
}

/** Apply a frame to a goods detail ({skus, stock_left, is_on_shelf}); a new object or null. */
function applyToGoods(goods, frame) {
  if (!goods || frame.goods_id !== goods.id) return null
  const skus = (goods.skus || []).map((sku) => Object.assign({}, sku))
  const byId = new Map(skus.map((sku) => [sku.id, sku]))
  let isOnShelf = goods.is_on_shelf
  if (frame.type === 'snapshot') {
    const live = new Map(frame.skus.map((s) => [s.sku_id, s]))
    skus.forEach((sku) => {
      const now = live.get(sku.id)
      if (now) Object.assign(sku, { stock: now.stock, price_fen: now.price_fen, stock_hint: now.stock_hint })
      else sku.stock = 0 // no longer sold
    })
    isOnShelf = frame.on_sale
  } else if (frame.type === 'stock') {
    const sku = byId.get(frame.sku_id)
    if (!sku) return null
    sku.stock = frame.stock
    sku.stock_hint = frame.stock_hint
  } else if (frame.type === 'price') {
    frame.skus.forEach((s) => {
      if (byId.has(s.sku_id)) byId.get(s.sku_id).price_fen = s.price_fen
    })
    isOnShelf = true
  } else if (frame.type === 'off_shelf') {
    isOnShelf = false
  } else {
    return null
  }
  const stockLeft = skus.reduce((sum, sku) => sum + Math.max(sku.stock, 0), 0)
  const prices = skus.map((sku) => sku.price_fen)
  return Object.assign({}, goods, {
    skus,
    stock_left: stockLeft,
    is_on_shelf: isOnShelf,
    price_fen: prices.length ? Math.min(...prices) : goods.price_fen,
  })
}

function reset() {
  close()
  subscribers.clear()
  lastSeq.clear()
  attempt = 0
}

module.exports = { subscribe, applyToGoods, reset, BACKOFF_MS, CLOSE }
