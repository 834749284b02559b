// Reads shop.config.json (the one file a shop owner edits) and renders what it controls:
// the appid in project.config.json and the server block in src/config.js.
const fs = require('fs')
const path = require('path')

const ROOT = path.join(__dirname, '..')
const SHOP_CONFIG = path.join(ROOT, 'shop.config.json')
const PROJECT_CONFIG = path.join(ROOT, 'project.config.json')
const APP_CONFIG = path.join(ROOT, 'src', 'config.js')
const BLOCK = /\/\/ <configure>\n[\s\S]*?\/\/ <\/configure>\n/

function readShopConfig() {
  const shop = JSON.parse(fs.readFileSync(SHOP_CONFIG, 'utf8'))
  const problems = []
  if (typeof shop.appid !== 'string' || !/^(wx[0-9a-f]{16}|touristappid)$/.test(shop.appid)) {
    problems.push('appid must look like wx + 16 hex digits (or "touristappid" for a trial run)')
  }
  if (typeof shop.server !== 'string' || !/^https:\/\/[^/\s]+$/.test(shop.server)) {
    problems.push('server must be an https:// origin without a trailing slash, e.g. https://shop.example.com')
  }
  if (shop.developServer !== undefined && !/^https?:\/\/[^/\s]+$/.test(shop.developServer)) {
    problems.push('developServer must be an http(s):// origin without a trailing slash')
  }
  if (problems.length) {
    throw new Error(`shop.config.json: ${problems.join('; ')}`)
  }
  return {
    appid: shop.appid,
    projectname: shop.projectname || 'xiaodian',
    servers: {
      develop: shop.developServer || 'http://127.0.0.1:8000',
      trial: shop.server,
      release: shop.server,
    },
  }
}

function renderServerBlock(servers) {
  const lines = Object.keys(servers).map((env) => `  ${env}: '${servers[env]}',`)
  return [
    '// <configure>',
    '// Written by `npm run configure` from shop.config.json; edit that file, not these lines.',
    'const SERVERS = {',
    ...lines,
    '}',
    '// </configure>',
    '',
  ].join('\n')
}

function renderProjectConfig(text, shop) {
  const project = JSON.parse(text)
  project.appid = shop.appid
  project.projectname = shop.projectname
  return `${JSON.stringify(project, null, 2)}\n`
}

function renderAppConfig(text, shop) {
  if (!BLOCK.test(text)) throw new Error('src/config.js lost its // <configure> block')
  return text.replace(BLOCK, renderServerBlock(shop.servers))
}

/** Files whose content differs from what shop.config.json says, as [{file, expected}]. */
function outOfDate() {
  const shop = readShopConfig()
  const result = []
  const pairs = [
    [PROJECT_CONFIG, renderProjectConfig],
    [APP_CONFIG, renderAppConfig],
  ]
  for (const [file, render] of pairs) {
    const current = fs.readFileSync(file, 'utf8')
    const expected = render(current, shop)
    if (current !== expected) result.push({ file, expected })
  }
  return result
}

module.exports = { readShopConfig, outOfDate, ROOT }
