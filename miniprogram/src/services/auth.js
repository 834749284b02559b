// The shopper is the WeChat user: logging in needs no form, only wx.login (see utils/api.js).
const api = require('../utils/api')

module.exports = {
  login: () => api.login(),
  currentUser: () => api.currentUser(),
}
