#!/usr/bin/env node
// `npm run check`: offline checks WeChat DevTools would otherwise only show on a phone.
//  1. shop.config.json and the files it controls agree (run `npm run configure` if not);
//  2. app.json: every page, subpackage page, tab icon and used component exists, and no
//     package uses a component that lives in another subpackage;
//  3. every .wxml (with the .wxs modules) compiles with the official wcc, and its bindings
//     call no functions but those of WXS modules;
//  4. every .wxss compiles with wcsc, uses known units, no colour outside styles/tokens.wxss,
//     and only CSS variables that tokens.wxss defines;
//  5. page scripts stay under 300 lines; the main package stays under WeChat's 2 MB.
const fs = require('fs')
const path = require('path')
const { spawnSync } = require('child_process')
const { outOfDate } = require('./shop-config')
const { packageSizes, LIMIT_BYTES } = require('./package-size')

const ROOT = path.join(__dirname, '..')
const SRC = path.join(ROOT, 'src')
const COMPILER_BIN = path.join(path.dirname(require.resolve('miniprogram-compiler/package.json')), 'bin', 'linux')
const MAX_PAGE_JS_LINES = 300
const UNITS = new Set(['rpx', 'px', 'em', 'rem', 'vh', 'vw', 'deg', 's', 'ms', 'fr'])

const problems = []
const problem = (message) => problems.push(message)
const rel = (file) => path.relative(ROOT, file)

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    return entry.isDirectory() ? walk(full) : [full]
  })
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (err) {
    problem(`${rel(file)}: ${err.code === 'ENOENT' ? 'missing' : `invalid JSON (${err.message})`}`)
    return null
  }
}

function checkShopConfig() {
  try {
    for (const { file } of outOfDate()) problem(`${rel(file)} does not match shop.config.json: run \`npm run configure\``)
  } catch (err) {
    problem(err.message)
  }
}

// ---- app.json -----------------------------------------------------------------------------

function packageOf(relativePath, roots) {
  return roots.find((root) => relativePath.startsWith(`${root}/`)) || 'main'
}

function checkComponentUse(ownerFile, json, roots, seen) {
  const owner = path.relative(SRC, ownerFile)
  const ownerPackage = packageOf(owner.split(path.sep).join('/'), roots)
  for (const [tag, target] of Object.entries(json.usingComponents || {})) {
    if (/^plugin:|^plugin-private:/.test(target)) continue
    const base = target.startsWith('/') ? path.join(SRC, target) : path.join(path.dirname(ownerFile), target)
    const targetRel = path.relative(SRC, base).split(path.sep).join('/')
    const missing = ['.js', '.json', '.wxml'].filter((ext) => !fs.existsSync(base + ext))
    if (missing.length) {
      problem(`${rel(ownerFile)}.json: component <${tag}> → ${target} is missing ${missing.join(', ')}`)
      continue
    }
    const targetPackage = packageOf(targetRel, roots)
    if (targetPackage !== 'main' && targetPackage !== ownerPackage) {
      problem(`${rel(ownerFile)}.json: <${tag}> lives in subpackage ${targetPackage}, which ${ownerPackage} cannot use`)
    }
    const targetJson = readJson(`${base}.json`)
    if (targetJson && !targetJson.component) problem(`${rel(base)}.json: used as a component but lacks "component": true`)
    if (targetJson && !seen.has(base)) {
      seen.add(base)
      checkComponentUse(base, targetJson, roots, seen)
    }
  }
}

function checkPage(pagePath, roots, seen) {
  const base = path.join(SRC, pagePath)
  const missing = ['.js', '.json', '.wxml', '.wxss'].filter((ext) => !fs.existsSync(base + ext))
  if (missing.length) {
    problem(`page ${pagePath} is missing ${missing.join(', ')}`)
    return
  }
  const json = readJson(`${base}.json`)
  if (json) checkComponentUse(base, json, roots, seen)
  // Pages are built with Component(), which WeChat accepts only with a usingComponents section.
  if (json && !json.usingComponents) problem(`page ${pagePath}.json needs "usingComponents" (pages are Component()s)`)
  const lines = fs.readFileSync(`${base}.js`, 'utf8').split('\n').length
  if (lines > MAX_PAGE_JS_LINES) problem(`page ${pagePath}.js has ${lines} lines (keep pages under ${MAX_PAGE_JS_LINES})`)
}

function checkAppJson() {
  const app = readJson(path.join(SRC, 'app.json'))
  if (!app) return
  const subpackages = app.subPackages || app.subpackages || []
  const roots = subpackages.map((pkg) => pkg.root.replace(/\/$/, ''))
  const seen = new Set()
  const allPages = []
  app.pages.forEach((page) => {
    allPages.push(page)
    checkPage(page, roots, seen)
  })
  subpackages.forEach((pkg) => {
    pkg.pages.forEach((page) => {
      allPages.push(`${pkg.root.replace(/\/$/, '')}/${page}`)
      checkPage(`${pkg.root.replace(/\/$/, '')}/${page}`, roots, seen)
    })
  })
  checkComponentUse(path.join(SRC, 'app'), app, roots, seen)

  const tabBar = app.tabBar || { list: [] }
  tabBar.list.forEach((tab) => {
    if (!app.pages.includes(tab.pagePath)) problem(`tabBar page ${tab.pagePath} must be in the main package's pages`)
    for (const icon of [tab.iconPath, tab.selectedIconPath].filter(Boolean)) {
      const file = path.join(SRC, icon)
      if (!fs.existsSync(file)) problem(`tabBar icon ${icon} does not exist`)
      else if (fs.statSync(file).size > 40 * 1024) problem(`tabBar icon ${icon} is over WeChat's 40 KB limit`)
    }
  })

  const names = new Set(subpackages.flatMap((pkg) => [pkg.name, pkg.root.replace(/\/$/, '')].filter(Boolean)))
  for (const [page, rule] of Object.entries(app.preloadRule || {})) {
    if (!allPages.includes(page)) problem(`preloadRule: ${page} is not a page`)
    for (const pkg of rule.packages || []) if (!names.has(pkg)) problem(`preloadRule ${page}: unknown package ${pkg}`)
  }
  if (app.sitemapLocation && !fs.existsSync(path.join(SRC, app.sitemapLocation))) problem(`${app.sitemapLocation} is missing`)
}

// ---- WXML and WXSS ------------------------------------------------------------------------

function runCompiler(name, args) {
  const bin = path.join(COMPILER_BIN, name)
  fs.chmodSync(bin, 0o755)
  return spawnSync(bin, args, { cwd: SRC, maxBuffer: 64 * 1024 * 1024 })
}

// WXML data bindings cannot call functions, except those of WXS modules; wcc accepts
// `{{list.indexOf(x)}}` but WeChat renders nothing for it.
function checkBindingCalls(file, text) {
  const modules = new Set([...text.matchAll(/<wxs[^>]*module="([\w$]+)"/g)].map((m) => m[1]))
  for (const binding of text.matchAll(/\{\{([\s\S]*?)\}\}/g)) {
    const expression = binding[1].replace(/'[^']*'|"[^"]*"/g, "''")
    for (const call of expression.matchAll(/([A-Za-z_$][\w$]*)((?:\.[\w$]+|\[[^\]]*\])*)\s*\(/g)) {
      if (!modules.has(call[1])) {
        const line = text.slice(0, binding.index).split('\n').length
        problem(`${rel(file)}:${line}: {{${binding[1].trim()}}} calls ${call[1]}${call[2]}(): only WXS module functions can be called in WXML`)
      }
    }
  }
}

function checkWxml(files) {
  const wxs = files.filter((file) => file.endsWith('.wxs')).map((file) => path.relative(SRC, file))
  for (const file of files.filter((f) => f.endsWith('.wxml'))) {
    const result = runCompiler('wcc', ['-d', path.relative(SRC, file), ...wxs])
    if (result.status !== 0) problem(`wcc: ${(result.stderr.toString() || result.stdout.toString()).trim()}`)
    checkBindingCalls(file, fs.readFileSync(file, 'utf8'))
  }
}

function checkWxss(files) {
  const tokensFile = path.join(SRC, 'styles', 'tokens.wxss')
  const tokens = fs.readFileSync(tokensFile, 'utf8')
  const defined = new Set([...tokens.matchAll(/(--[\w-]+)\s*:/g)].map((m) => m[1]))
  for (const file of files.filter((f) => f.endsWith('.wxss'))) {
    // wcsc resolves @import only among the files it is given.
    const inputs = [...new Set([path.relative(SRC, file), path.relative(SRC, tokensFile)])]
    const result = runCompiler('wcsc', ['-db', '-pc', '0', ...inputs])
    if (result.status !== 0) problem(`wcsc: ${rel(file)}: ${result.stderr.toString().trim()}`)
    const css = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '')
    css.split('\n').forEach((line, index) => {
      const where = `${rel(file)}:${index + 1}`
      for (const m of line.matchAll(/(?<![\w#-])(\d*\.?\d+)([a-z]+)\b/gi)) {
        if (!UNITS.has(m[2].toLowerCase())) problem(`${where}: unknown unit "${m[0]}"`)
      }
      if (file !== tokensFile && /#[0-9a-f]{3,8}\b|\b(rgba?|hsla?)\(/i.test(line)) {
        problem(`${where}: colour written directly; use a variable from styles/tokens.wxss`)
      }
      for (const m of line.matchAll(/var\((--[\w-]+)/g)) {
        if (!defined.has(m[1])) problem(`${where}: ${m[1]} is not defined in styles/tokens.wxss`)
      }
    })
  }
}

function checkSize() {
  const sizes = packageSizes()
  for (const [name, { bytes }] of Object.entries(sizes)) {
    if (bytes > LIMIT_BYTES) problem(`package ${name} is ${bytes} bytes, over WeChat's ${LIMIT_BYTES}`)
  }
  return sizes.main.bytes
}

const files = walk(SRC)
checkShopConfig()
checkAppJson()
checkWxml(files)
checkWxss(files)
const mainBytes = checkSize()

if (problems.length) {
  console.error(`check failed (${problems.length}):\n  ${problems.join('\n  ')}`)
  process.exit(1)
}
const counts = ['.wxml', '.wxss', '.wxs', '.js'].map((ext) => `${files.filter((f) => f.endsWith(ext)).length} ${ext}`)
console.log(`check passed: ${counts.join(', ')}; main package ${mainBytes} bytes`)
