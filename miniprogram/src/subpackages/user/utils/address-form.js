// Checking an address form and reading the region out of a place chosen on the map.
const PHONE = /^(1\d{10}|0\d{2,3}-?\d{7,8})$/
const REGION = /^(.+?(?:省|自治区|特别行政区|北京市|天津市|上海市|重庆市))?(.+?(?:市|自治州|地区|盟))?(.+?(?:区|县|市|旗))?(.*)$/
const MUNICIPALITIES = ['北京市', '天津市', '上海市', '重庆市']

/** The first problem with the form, as a message for the shopper, or '' when it is fine. */
function validate(form) {
  if (!form.name.trim()) return '请填写收货人'
  if (form.name.trim().length > 20) return '收货人姓名不超过 20 个字'
  if (!PHONE.test(form.phone.trim())) return '请填写正确的手机号码'
  if (!form.province || !form.city || !form.district) return '请选择所在地区'
  if (!form.detail.trim()) return '请填写详细地址'
  return ''
}

/**
 * {province, city, district, detail} from a map address such as "广东省深圳市南山区科技园一路1号".
 * Parts it cannot recognise stay empty for the shopper to pick.
 */
function splitAddress(address) {
  const m = REGION.exec(String(address || '').trim()) || []
  let province = m[1] || ''
  let city = m[2] || ''
  const district = m[3] || ''
  if (MUNICIPALITIES.includes(province) && !city) city = province
  if (!province && MUNICIPALITIES.includes(city)) province = city
  return { province, city, district, detail: (m[4] || '').trim() }
}

module.exports = { validate, splitAddress }
