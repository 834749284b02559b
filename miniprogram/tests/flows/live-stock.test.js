// Live stock against the demo server: a shopper has a goods page open while another shopper
// buys the last units of a SKU; the open page hears it over its socket and greys it out.
const { installShopper, SERVER } = require('./support/live')
const { openPage, waitFor } = require('../helpers/page')
const goodsService = require('../../src/services/goods')
const meService = require('../../src/services/me')
const ordersService = require('../../src/services/orders')
const { uuid4 } = require('../../src/utils/uuid')

jest.setTimeout(60000)

/** wx.connectSocket on a real WebSocket (jsdom's) to the test server; frames are recorded. */
function withRealSockets(phone) {
  phone.liveFrames = []
  phone.connectSocket = ({ url }) => {
    const socket = new WebSocket(url.replace(/^ws:\/\/127\.0\.0\.1:8000/, SERVER.replace(/^http/, 'ws')))
    return {
      onOpen: (fn) => socket.addEventListener('open', () => fn({})),
      onMessage: (fn) =>
        socket.addEventListener('message', (event) => {
          phone.liveFrames.push(JSON.parse(event.data))
          fn({ data: event.data })
        }),
      onClose: (fn) => socket.addEventListener('close', (event) => fn({ code: event.code })),
      onError: (fn) => socket.addEventListener('error', () => fn({})),
      send: ({ data }) => socket.send(data),
      close: () => socket.close(1000),
    }
  }
  return phone
}

test("another shopper's order changes the stock on an open goods page at once", async () => {
  const buyer = installShopper('live-buyer')
  await meService.createAddress({ name: '抢购买家', phone: '13900139001', province: '广东省', city: '深圳市', district: '南山区', detail: '科苑路 2 号', is_default: true })
  const list = await goodsService.listGoods({ sort: 'sales', order: 'desc', page: 1, page_size: 20 })
  let goods = null
  let sku = null
  for (const item of list.items) {
    const detail = await goodsService.getGoods(item.id)
    const candidates = detail.skus.filter((s) => s.stock > 0 && s.stock <= 50).sort((a, b) => a.stock - b.stock)
    if (detail.is_on_shelf && candidates.length && detail.skus.length > 1) {
      goods = detail
      sku = candidates[0]
      break
    }
  }
  expect(sku).not.toBeNull()

  const viewer = withRealSockets(installShopper('live-viewer'))
  const page = await openPage('subpackages/goods/detail/index', { goodsId: String(goods.id) })
  await waitFor(() => viewer.liveFrames.some((f) => f.type === 'snapshot' && f.goods_id === goods.id), { timeout: 15000, message: 'the snapshot' })
  expect(page.instance.data.goods.skus.find((s) => s.id === sku.id).stock).toBe(sku.stock)

  global.wx = buyer // the other phone buys every unit of that SKU
  const address = (await meService.listAddresses())[0]
  await ordersService.createOrder({ items: [{ sku_id: sku.id, quantity: sku.stock }], address_id: address.id, note: '' }, uuid4())
  global.wx = viewer

  await waitFor(() => page.instance.data.goods.skus.find((s) => s.id === sku.id).stock === 0, { timeout: 10000, message: 'the SKU sold out on the open page' })
  const frame = viewer.liveFrames.find((f) => f.type === 'stock' && f.sku_id === sku.id)
  expect(frame).toMatchObject({ stock: 0, stock_hint: '已售罄' })
  expect(page.instance.data.goods.stock_left).toBe(goods.stock_left - sku.stock)
  page.instance.onUnload()
})
