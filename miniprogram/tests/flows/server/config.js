// Where the flow tests find the backend: `.venv/bin/xiaodian` in the repository that holds
// this miniprogram/ folder, unless XIAODIAN_BIN names another one.
const path = require('path')

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..')

module.exports = {
  REPO_ROOT,
  XIAODIAN_BIN: process.env.XIAODIAN_BIN || path.join(REPO_ROOT, '.venv', 'bin', 'xiaodian'),
  READY_TIMEOUT_MS: Number(process.env.XIAODIAN_READY_TIMEOUT_MS || 240000),
}
