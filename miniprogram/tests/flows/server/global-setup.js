// Starts one `xiaodian demo` (SQLite in a temporary folder, demo data, WeChat simulator) for
// all flow tests, waits until it answers, and tells the tests where it is through the
// environment. global-teardown.js stops it, so jest never waits on an orphaned server.
const fs = require('fs')
const net = require('net')
const os = require('os')
const path = require('path')
const { spawn } = require('child_process')
const { REPO_ROOT, XIAODIAN_BIN, READY_TIMEOUT_MS } = require('./config')

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function answers(url) {
  try {
    // A fresh connection per probe: a kept-alive socket the server closes meanwhile would
    // make the first real request fail with "other side closed".
    const res = await fetch(url, { headers: { connection: 'close' } })
    await res.arrayBuffer()
    return res.ok
  } catch (err) {
    return false
  }
}

/** Why paying is not possible on this backend yet, or '' when POST /orders/{id}/pay exists. */

module.exports = async function globalSetup() {
  if (!fs.existsSync(XIAODIAN_BIN)) {
    throw new Error(`flow tests need the backend: ${XIAODIAN_BIN} does not exist (run \`make install\` in ${REPO_ROOT}, or set XIAODIAN_BIN)`)
  }
  const port = await freePort()
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xiaodian-mp-flows-'))
  const logFile = path.join(dataDir, 'server.log')
  const log = fs.openSync(logFile, 'a')
  const child = spawn(XIAODIAN_BIN, ['demo', '--port', String(port), '--data-dir', dataDir], {
    cwd: REPO_ROOT,
    stdio: ['ignore', log, log],
    env: Object.assign({}, process.env, { PYTHONUNBUFFERED: '1' }),
  })
  let exited = null
  child.on('exit', (code, signal) => {
    exited = { code, signal }
  })
  globalThis.__XIAODIAN_SERVER__ = { child, dataDir, logFile }

  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (!(await answers(`${base}/api/v1/ping`))) {
    if (exited || Date.now() > deadline) {
      const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n')
      if (!exited) child.kill('SIGKILL')
      throw new Error(`xiaodian demo did not start (${exited ? `exited ${JSON.stringify(exited)}` : 'timed out'}):\n${tail}`)
    }
    await sleep(250)
  }
  process.env.XIAODIAN_TEST_SERVER = base
}
