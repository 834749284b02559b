// Steps several flows share, each done through the pages as a shopper would.
const { openPage, tap, all, waitFor } = require('../../helpers/page')
const { follow, nextUrl } = require('./journey')

/** On an open goods page: choose `sku`'s spec values in the picker opened by `button`. */
async function chooseSku(detail, button, sku, { extra = 0 } = {}) {
  const goods = detail.instance.data.goods
  await tap(detail, button)
  const picker = '.goods-detail__picker >>> '
  let offset = 0
  for (let specIndex = 0; specIndex < goods.specs.length; specIndex += 1) {
    const wanted = sku.spec_values[specIndex]
    const chosen = all(detail, `${picker}.sku-picker__value--chosen`).map((node) => node.dom.dataset.value)
    const valueIndex = goods.specs[specIndex].values.indexOf(wanted)
    if (!chosen.includes(wanted)) await tap(detail, `${picker}.sku-picker__value`, offset + valueIndex)
    offset += goods.specs[specIndex].values.length
  }
  for (let i = 0; i < extra; i += 1) await tap(detail, `${picker}.sku-picker__stepper >>> .quantity-stepper__plus`)
  await tap(detail, `${picker}.sku-picker__confirm`)
}

/** The in-stock SKU with the most units, so parallel flows never run a goods dry. */
function roomiestSku(goods) {
  return goods.skus.reduce((best, sku) => (sku.stock > best.stock ? sku : best))
}

/** Opens the goods page of the first best seller on the home page. */
async function openBestSeller() {
  const home = await openPage('pages/home/index')
  await waitFor(() => all(home, '.home__hot-card').length > 0, { timeout: 15000, message: 'best sellers' })
  const before = wx.calls.navigateTo.length
  await tap(home, '.home__hot-card >>> .goods-card', 0)
  const detail = await follow(await nextUrl('navigateTo', { after: before }))
  await waitFor(() => detail.instance.data.goods, { timeout: 15000, message: 'the goods page' })
  return detail
}

module.exports = { chooseSku, roomiestSku, openBestSeller }
