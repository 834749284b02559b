// After a shopper said no to a permission, WeChat will not ask again by itself: say why it is
// needed and offer the settings page (wx.openSetting), where it can be switched back on.

/** True when a wx API failed because the permission was refused (not cancelled, not broken). */
function denied(err) {
  return /auth (deny|denied)|authorize:fail|permission/i.test((err && err.errMsg) || '')
}

/** Explains `why` and opens the settings page if the shopper agrees; resolves to its authSetting. */
function offerSettings(title, why) {
  return new Promise((resolve) => {
    wx.showModal({
      title,
      content: why,
      confirmText: '去设置',
      cancelText: '暂不',
      success: ({ confirm }) => {
        if (!confirm) return resolve(null)
        wx.openSetting({ success: (res) => resolve(res.authSetting || {}), fail: () => resolve(null) })
      },
      fail: () => resolve(null),
    })
  })
}

module.exports = { denied, offerSettings }
