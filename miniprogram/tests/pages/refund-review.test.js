const { openPage, text, texts, tap, input, all, waitFor } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')

const LOGIN = { token: 't', expires_at: '2099-01-01T00:00:00Z', user: { id: 1, nickname: '', avatar_url: '' } }

function twoLineOrder(status) {
  return fixtures.order({
    id: 4,
    status,
    total_fen: 9000,
    lines: [fixtures.orderLine({ id: 41, title: '苹果', pay_fen: 3990, quantity: 1 }), fixtures.orderLine({ id: 42, title: '香蕉', pay_fen: 4210, quantity: 2 })],
  })
}

test('refund: the whole order by default, or chosen lines, with a reason', async () => {
  const bodies = []
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /orders/4': twoLineOrder('paid'),
    'POST /orders/4/refund': (req) => {
      bodies.push(req.data)
      return fixtures.order({ id: 4, status: 'refund_requested' })
    },
  })
  const page = await openPage('subpackages/order/refund/index', { orderId: '4' })
  expect(text(page, '.refund__amount .row')).toBe('预计退款¥90.00')
  await tap(page, '.refund__submit')
  expect(wx.calls.toasts).toEqual(['请选择退款原因'])

  await tap(page, '.refund__line', 1)
  expect(text(page, '.refund__amount .row')).toBe('预计退款¥39.90')
  await tap(page, '.refund__reason', 1)
  await input(page, '.refund__description', '有坏果')
  await tap(page, '.refund__submit')
  await waitFor(() => wx.calls.redirectTo.length)
  expect(bodies).toEqual([{ reason: '商品质量问题：有坏果', lines: [{ line_id: 41, quantity: 1 }] }])
  expect(wx.calls.redirectTo).toEqual(['/subpackages/order/detail/index?orderId=4'])
})

test('review: stars, words and photos for each line not yet reviewed', async () => {
  const bodies = []
  const order = twoLineOrder('completed')
  order.lines[1].is_reviewed = true
  wx.setBackend({
    'POST /auth/wx-login': LOGIN,
    'GET /orders/4': order,
    'POST /orders/4/reviews': (req) => {
      bodies.push(req.data)
      return [201, { reviews: [] }]
    },
  })
  const page = await openPage('subpackages/order/review/index', { orderId: '4' })
  expect(texts(page, '.review__title')).toEqual(['苹果'])
  await tap(page, '.review__stars >>> .star-rating__star', 3)
  await input(page, '.review__content', '很新鲜')
  await tap(page, '.review__photo-add')
  await waitFor(() => all(page, '.review__photo-image').length === 1)
  await tap(page, '.review__submit')
  await waitFor(() => wx.calls.navigateBack)
  expect(bodies).toEqual([{ reviews: [{ line_id: 41, score: 4, content: '很新鲜', images: ['https://cdn.test/photo.webp'] }] }])
  expect(wx.calls.toasts).toContain('评价成功')
})

test('review: a failed photo upload is reported and the review can still be sent', async () => {
  wx.setBackend({ 'POST /auth/wx-login': LOGIN, 'GET /orders/4': twoLineOrder('completed') })
  wx.uploadFile = (opts) => setTimeout(() => opts.success({ statusCode: 404, data: '{"error":"not_found","message":"Not Found"}' }), 0)
  const page = await openPage('subpackages/order/review/index', { orderId: '4' })
  await tap(page, '.review__photo-add', 0)
  await waitFor(() => wx.calls.toasts.length)
  expect(wx.calls.toasts).toEqual(['内容不存在或已删除'])
  expect(all(page, '.review__photo-image')).toHaveLength(0)
})
