// Moving through the app as a shopper does: open the page a tap navigated to, go back.
const { openPage, waitFor } = require('../../helpers/page')

/** Opens the page of `url` (from wx.navigateTo/redirectTo/switchTab) with its query. */
async function follow(url) {
  const [route, search] = url.replace(/^\//, '').split('?')
  const query = {}
  ;(search || '').split('&').filter(Boolean).forEach((pair) => {
    const [key, value] = pair.split('=')
    query[key] = decodeURIComponent(value || '')
  })
  return openPage(route, query)
}

/** The newest page address the app asked to open with `kind` (navigateTo, redirectTo, switchTab). */
async function nextUrl(kind = 'navigateTo', { after = 0, timeout = 15000 } = {}) {
  const list = wx.calls[kind]
  await waitFor(() => list.length > after, { timeout, message: `a ${kind} call` })
  return list[list.length - 1]
}

/** Waits for the page to show `text` somewhere inside `selector`. */
function waitForText(page, selector, text, timeout = 15000) {
  const { all } = require('../../helpers/page')
  return waitFor(() => all(page, selector).some((node) => node.dom.textContent.includes(text)), {
    timeout,
    message: `"${text}" in ${selector}`,
  })
}

/** The 支付成功 page at `url` once it says so, then its 查看订单: resolves with the order page. */
async function viewPaidOrder(url) {
  const { text, tap } = require('../../helpers/page')
  expect(url).toMatch(/^\/subpackages\/order\/pay-result\/index\?orderId=\d+/)
  const result = await follow(url)
  await waitFor(() => text(result, '.pay-result__title') === '支付成功', { timeout: 15000, message: '支付成功' })
  const redirects = wx.calls.redirectTo.length
  await tap(result, '.pay-result__view-order')
  return follow(await nextUrl('redirectTo', { after: redirects }))
}

module.exports = { follow, nextUrl, waitForText, viewPaidOrder }
