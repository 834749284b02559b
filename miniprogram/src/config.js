// Where the app talks to. The servers come from shop.config.json (see README); which one is
// used depends on the build the shopper runs: the developer tools, a trial build or the release.
// <configure>
// Written by `npm run configure` from shop.config.json; edit that file, not these lines.
const SERVERS = {
  develop: 'http://127.0.0.1:8000',
  trial: 'https://shop.example.com',
  release: 'https://shop.example.com',
}
// </configure>

const API_PREFIX = '/api/v1'

function envVersion() {
  try {
    return wx.getAccountInfoSync().miniProgram.envVersion || 'release'
  } catch (err) {
    return 'release'
  }
}

function serverBase() {
  return SERVERS[envVersion()] || SERVERS.release
}

module.exports = {
  SERVERS,
  envVersion,
  serverBase,
  apiBase: () => serverBase() + API_PREFIX,
  socketBase: () => serverBase().replace(/^http/, 'ws') + API_PREFIX + '/ws',
  pageSize: 20,
  requestTimeoutMs: 15000,
}
