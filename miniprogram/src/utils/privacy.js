// WeChat's privacy consent: before the first call of an API its privacy guide covers (the map,
// an address, the album, a photo, the avatar) WeChat asks us to get consent. The page on top
// shows its <privacy-sheet>; 同意 is WeChat's own agreePrivacyAuthorization button.
let pending = null // the resolve WeChat handed us, until the shopper answers
const sheets = [] // attached sheets, the page on top last

function openTop() {
  const sheet = sheets[sheets.length - 1]
  if (sheet) sheet.open()
  else answer(false) // no sheet on this page: refuse this once, WeChat asks again next time
}

/** Once, in App.onLaunch. */
function install() {
  if (typeof wx.onNeedPrivacyAuthorization !== 'function') return // base library < 2.32.3
  wx.onNeedPrivacyAuthorization((resolve) => {
    pending = resolve
    openTop()
  })
}

function attach(sheet) {
  sheets.push(sheet)
  if (pending) sheet.open()
}

function detach(sheet) {
  const index = sheets.indexOf(sheet)
  if (index >= 0) sheets.splice(index, 1)
}

/** The shopper's answer, passed on to WeChat (which then runs or fails the waiting call). */
function answer(agreed, buttonId) {
  const resolve = pending
  pending = null
  if (resolve) resolve(agreed ? { event: 'agree', buttonId } : { event: 'disagree' })
}

function reset() {
  pending = null
  sheets.splice(0)
}

module.exports = { install, attach, detach, answer, reset }
