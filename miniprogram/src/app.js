// Logs the shopper in as soon as the app starts, so the first page's calls already carry a
// token. A failure here is silent: api.request logs in again when a call needs it.
const auth = require('./services/auth')

App({
  onLaunch() {
    if (!auth.currentUser()) {
      auth.login().catch(() => {})
    }
  },
})
