const { messageFor, ApiError, FALLBACK } = require('../../src/utils/errors')

test('known codes have their own Chinese message', () => {
  expect(messageFor('out_of_stock')).toBe('库存不足')
  expect(messageFor('order_not_pending')).toBe('订单状态已变化，请刷新')
  expect(messageFor('NETWORK')).toBe('网络异常，请检查网络后重试')
  for (const code of ['validation_error', 'not_found', 'unauthorized', 'goods_off_shelf', 'cart_full', 'TIMEOUT']) {
    expect(messageFor(code)).toMatch(/[\u4e00-\u9fa5]/)
  }
})

test('unknown codes fall back to the server message, then to a generic one', () => {
  expect(messageFor('some_future_code', '将来的提示')).toBe('将来的提示')
  expect(messageFor('some_future_code')).toBe(FALLBACK)
  expect(FALLBACK).toBe('操作失败，请稍后重试')
})

test('ApiError carries the code, message and HTTP status', () => {
  const err = new ApiError({ code: 'out_of_stock', httpStatus: 409 })
  expect(err).toBeInstanceOf(Error)
  expect(err.message).toBe('库存不足')
  expect(err.httpStatus).toBe(409)
})
