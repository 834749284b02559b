const sku = require('../../src/subpackages/goods/utils/sku')
const fixtures = require('../helpers/fixtures')

const goods = fixtures.goodsDetail()

test('a SKU is found only when every spec has a value', () => {
  expect(sku.findSku(goods.skus, ['5斤装', ''])).toBeNull()
  expect(sku.findSku(goods.skus, ['10斤装', '75mm']).id).toBe(73)
})

test('values that lead only to sold-out SKUs are disabled, given the other choices', () => {
  const none = sku.optionStates(goods.specs, goods.skus, ['', ''])
  expect(none[1].map((o) => [o.value, o.disabled])).toEqual([
    ['75mm', false],
    ['85mm', true],
  ])
  const chosen = sku.optionStates(goods.specs, goods.skus, ['5斤装', ''])
  expect(chosen[0].find((o) => o.value === '5斤装').chosen).toBe(true)
  expect(chosen[1].find((o) => o.value === '85mm').disabled).toBe(true)
})

test('the first SKU in stock is chosen up front; with none in stock, single-value specs', () => {
  const specs = [{ name: '规格', values: ['500g'] }, { name: '产地', values: ['山东', '陕西'] }]
  const skus = [
    { id: 1, spec_values: ['500g', '山东'], price_fen: 100, stock: 0 },
    { id: 2, spec_values: ['500g', '陕西'], price_fen: 120, stock: 2 },
  ]
  expect(sku.initialChoice(specs, skus)).toEqual(['500g', '陕西'])
  skus[0].stock = 1
  expect(sku.initialChoice(specs, skus)).toEqual(['500g', '山东'])
  skus[0].stock = 0
  skus[1].stock = 0
  expect(sku.initialChoice(specs, skus)).toEqual(['500g', ''])
})

test('only a goods item with one SKU in stock is bought without the sheet', () => {
  expect(sku.soleSku([{ id: 7, spec_values: [], stock: 3 }])).toEqual({ id: 7, spec_values: [], stock: 3 })
  expect(sku.soleSku([{ id: 7, spec_values: [], stock: 0 }])).toBe(null)
  expect(sku.soleSku([{ id: 7, stock: 3 }, { id: 8, stock: 3 }])).toBe(null)
})

test('tapping a chosen value clears it, another value replaces it', () => {
  expect(sku.toggle(['5斤装', '75mm'], 0, '5斤装')).toEqual(['', '75mm'])
  expect(sku.toggle(['5斤装', '75mm'], 0, '10斤装')).toEqual(['10斤装', '75mm'])
})

test('the price range narrows as values are chosen', () => {
  expect(sku.priceRange(goods.skus, ['', ''])).toEqual({ min: 3990, max: 7990 })
  expect(sku.priceRange(goods.skus, ['10斤装', ''])).toEqual({ min: 6990, max: 7990 })
  expect(sku.missingSpecNames(goods.specs, ['10斤装', ''])).toEqual(['果径'])
  expect(sku.specText(['10斤装', '75mm'])).toBe('10斤装 / 75mm')
})
