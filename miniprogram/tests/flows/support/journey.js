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

module.exports = { follow, nextUrl, waitForText }
