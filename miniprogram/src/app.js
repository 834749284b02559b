// Logs the shopper in as soon as the app starts, so the first page's calls already carry a
// token. A failure here is silent: api.request logs in again when a call needs it.
const auth = require('./services/auth')
const scene = require('./utils/scene')
const privacy = require('./utils/privacy')

App({
  onLaunch(options) {
    privacy.install()
    if (!auth.currentUser()) {
      auth.login().catch(() => {})
    }
    // Opened from a share code whose page is not the one launched: go where the code points.
    const target = scene.launchTarget(options)
    if (target) wx.redirectTo({ url: target })
  },
})
