const api = require('../utils/api')

module.exports = {
  login: () => api.login(),
  logout: () =>
    api.request({ url: '/auth/logout', method: 'POST', silent: true }).then(
      () => api.clearSession(),
      () => api.clearSession()
    ),
  currentUser: () => api.currentUser(),
}
