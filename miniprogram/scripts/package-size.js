// Sizes of the main package and each subpackage: bytes of the files under src/ that WeChat
// uploads (everything outside a subpackage root belongs to the main package).
const fs = require('fs')
const path = require('path')

const SRC = path.join(__dirname, '..', 'src')
const LIMIT_BYTES = 2 * 1024 * 1024

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    return entry.isDirectory() ? walk(full) : [full]
  })
}

function packageSizes() {
  const app = JSON.parse(fs.readFileSync(path.join(SRC, 'app.json'), 'utf8'))
  const roots = (app.subPackages || app.subpackages || []).map((pkg) => pkg.root.replace(/\/$/, ''))
  const sizes = { main: { bytes: 0, files: 0 } }
  roots.forEach((root) => {
    sizes[root] = { bytes: 0, files: 0 }
  })
  for (const file of walk(SRC)) {
    const relative = path.relative(SRC, file).split(path.sep).join('/')
    const owner = roots.find((root) => relative.startsWith(`${root}/`)) || 'main'
    sizes[owner].bytes += fs.statSync(file).size
    sizes[owner].files += 1
  }
  return sizes
}

module.exports = { packageSizes, LIMIT_BYTES }

if (require.main === module) {
  const sizes = packageSizes()
  let total = 0
  for (const [name, { bytes, files }] of Object.entries(sizes)) {
    total += bytes
    console.log(`${name.padEnd(22)} ${String(bytes).padStart(8)} bytes  ${String(files).padStart(3)} files`)
  }
  console.log(`${'total'.padEnd(22)} ${String(total).padStart(8)} bytes  (limit per package ${LIMIT_BYTES})`)
}
