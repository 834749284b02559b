// jest's jsdom environment hides Node's fetch; flow tests need it so the stubbed wx.request
// can reach the real test server.
const { TestEnvironment } = require('jest-environment-jsdom')

class JsdomWithFetch extends TestEnvironment {
  constructor(config, context) {
    super(config, context)
    Object.assign(this.global, { fetch, Request, Response, Headers })
    // Node's own AbortController, for fetch timeouts (jsdom's one is not accepted by fetch).
    this.global.NodeAbortController = AbortController
  }
}

module.exports = JsdomWithFetch
