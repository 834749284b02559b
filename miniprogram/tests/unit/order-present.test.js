const { present, payMillisLeft } = require('../../src/subpackages/order/utils/present')
const fixtures = require('../helpers/fixtures')

test('progress marks the steps the order has passed', () => {
  const order = fixtures.order({ status: 'shipped', paid_at: '2024-05-01T05:00:00Z', shipped_at: '2024-05-02T01:00:00Z' })
  expect(present(order).progress.map((step) => [step.text, step.done])).toEqual([
    ['下单', true],
    ['付款', true],
    ['发货', true],
    ['收货', false],
  ])
})

test('the timeline is newest first, in shop time', () => {
  const order = fixtures.order({
    timeline: [
      { status: 'pending_payment', status_text: '待支付', note: '订单已提交', created_at: '2024-05-01T04:05:00Z' },
      { status: 'paid', status_text: '待发货', note: '微信支付', created_at: '2024-05-01T04:06:00Z' },
    ],
  })
  const timeline = present(order).timeline
  expect(timeline.map((e) => e.title)).toEqual(['待发货', '待支付'])
  expect(timeline[0]).toMatchObject({ latest: true, time: '2024-05-01 12:06' })
})

test('a closed order says why; the pay countdown only runs while payment is awaited', () => {
  expect(present(fixtures.order({ status: 'closed', close_reason: '超时未支付' })).tip).toBe('订单已关闭：超时未支付')
  const pending = fixtures.order({ expires_at: '2024-05-01T04:35:00Z' })
  expect(payMillisLeft(pending, Date.parse('2024-05-01T04:34:00Z'))).toBe(60000)
  expect(payMillisLeft(pending, Date.parse('2024-05-01T05:00:00Z'))).toBe(0)
  expect(payMillisLeft(fixtures.order({ status: 'paid' }))).toBe(0)
})
