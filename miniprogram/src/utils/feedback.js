// The loading indicator and the error toast share one slot on screen: wx.hideLoading also
// closes a toast. Loading is therefore counted across concurrent calls, and always hidden
// before a toast, so the toast is never wiped by a late hide.
const TOAST_MS = 2000

let pending = 0
let loadingVisible = false
let toastUntil = 0
let lastToast = { title: '', at: 0 }

function showLoading(title = '加载中') {
  pending += 1
  if (!loadingVisible && Date.now() >= toastUntil) {
    loadingVisible = true
    wx.showLoading({ title, mask: true })
  }
}

function hideLoading() {
  if (pending > 0) pending -= 1
  if (pending === 0 && loadingVisible) {
    loadingVisible = false
    wx.hideLoading()
  }
}

/** Shows `title` once; the same text again within the toast's lifetime is dropped. */
function toast(title, icon = 'none') {
  const now = Date.now()
  if (lastToast.title === title && now - lastToast.at < TOAST_MS) return
  if (loadingVisible) {
    loadingVisible = false
    wx.hideLoading()
  }
  lastToast = { title, at: now }
  toastUntil = now + TOAST_MS
  wx.showToast({ title, icon, duration: TOAST_MS })
}

function success(title) {
  toast(title, 'success')
}

/** For tests: forget all state. */
function reset() {
  pending = 0
  loadingVisible = false
  toastUntil = 0
  lastToast = { title: '', at: 0 }
}

module.exports = { showLoading, hideLoading, toast, success, reset }
