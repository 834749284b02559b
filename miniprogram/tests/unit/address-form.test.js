const { validate, splitAddress } = require('../../src/subpackages/user/utils/address-form')
const fixtures = require('../helpers/fixtures')

test('a complete address passes; each missing part is named', () => {
  const form = fixtures.address()
  expect(validate(form)).toBe('')
  expect(validate({ ...form, name: ' ' })).toBe('请填写收货人')
  expect(validate({ ...form, phone: '12345' })).toBe('请填写正确的手机号码')
  expect(validate({ ...form, phone: '010-12345678' })).toBe('')
  expect(validate({ ...form, district: '' })).toBe('请选择所在地区')
  expect(validate({ ...form, detail: '' })).toBe('请填写详细地址')
})

test('a map address is split into province, city, district and the rest', () => {
  expect(splitAddress('广东省深圳市南山区科技园一路1号')).toEqual({ province: '广东省', city: '深圳市', district: '南山区', detail: '科技园一路1号' })
  expect(splitAddress('北京市朝阳区建国路88号')).toEqual({ province: '北京市', city: '北京市', district: '朝阳区', detail: '建国路88号' })
  expect(splitAddress('新疆维吾尔自治区乌鲁木齐市天山区解放路')).toMatchObject({ province: '新疆维吾尔自治区', city: '乌鲁木齐市' })
  expect(splitAddress('无法识别')).toEqual({ province: '', city: '', district: '', detail: '无法识别' })
})
