// jest's jsdom environment hides Node's fetch; flow tests need it so the stubbed wx.request
// can reach the real test server.
const { TestEnvironment } = require('jest-environment-jsdom')

class JsdomWithFetch extends TestEnvironment {
  constructor(config, context) {
    super(config, context)
    Object.assign(this.global, { fetch, Request, Response, Headers })
  }
}

module.exports = JsdomWithFetch
