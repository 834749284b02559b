// Every page app.json declares is opened by a page test (with its query, onLoad and onShow).
const fs = require('fs')
const path = require('path')

const SRC = path.join(__dirname, '..', '..', 'src')
const app = JSON.parse(fs.readFileSync(path.join(SRC, 'app.json'), 'utf8'))
const pages = app.pages.concat(...app.subPackages.map((pkg) => pkg.pages.map((page) => `${pkg.root}/${page}`)))
const testSources = fs
  .readdirSync(__dirname)
  .filter((file) => file.endsWith('.test.js') && file !== path.basename(__filename))
  .map((file) => fs.readFileSync(path.join(__dirname, file), 'utf8'))
  .join('\n')

test.each(pages)('%s has a page test', (page) => {
  expect(testSources).toContain(`openPage('${page}'`)
})

test('the tab bar lists only main-package pages and every subpackage is preloaded from a tab', () => {
  const tabs = app.tabBar.list.map((tab) => tab.pagePath)
  expect(tabs.every((tab) => app.pages.includes(tab))).toBe(true)
  const preloaded = new Set(Object.values(app.preloadRule).flatMap((rule) => rule.packages))
  expect([...preloaded].sort()).toEqual(app.subPackages.map((pkg) => pkg.name).sort())
  expect(app.lazyCodeLoading).toBe('requiredComponents')
})
