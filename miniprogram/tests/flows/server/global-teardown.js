// Stops the server started by global-setup.js and removes its temporary data folder.
const fs = require('fs')

function waitForExit(child, ms) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(true)
    const timer = setTimeout(() => resolve(false), ms)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

module.exports = async function globalTeardown() {
  const server = globalThis.__XIAODIAN_SERVER__
  if (!server) return
  server.child.kill('SIGTERM')
  if (!(await waitForExit(server.child, 10000))) {
    server.child.kill('SIGKILL')
    await waitForExit(server.child, 5000)
  }
  if (process.env.XIAODIAN_KEEP_FLOW_DATA) {
    console.log(`[flows] server data and log kept in ${server.dataDir}`)
  } else {
    fs.rmSync(server.dataDir, { recursive: true, force: true })
  }
}
