const fs = require('fs')
const os = require('os')
const path = require('path')
const config = require('../../src/config')

test('the API base follows the build: develop talks to the local demo server', () => {
  wx.state.envVersion = 'develop'
  expect(config.apiBase()).toBe('http://127.0.0.1:8000/api/v1')
  wx.state.envVersion = 'release'
  expect(config.apiBase()).toBe(`${config.SERVERS.release}/api/v1`)
  expect(config.socketBase()).toBe(`${config.SERVERS.release.replace(/^http/, 'ws')}/api/v1/ws`)
  wx.getAccountInfoSync = () => {
    throw new Error('not available')
  }
  expect(config.serverBase()).toBe(config.SERVERS.release)
})

test('`npm run configure` writes the appid and servers from shop.config.json, nothing else', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-configure-'))
  fs.mkdirSync(path.join(root, 'scripts'))
  fs.mkdirSync(path.join(root, 'src'))
  for (const file of ['scripts/configure.js', 'scripts/shop-config.js', 'project.config.json', 'src/config.js']) {
    fs.copyFileSync(path.join(__dirname, '../..', file), path.join(root, file))
  }
  fs.writeFileSync(
    path.join(root, 'shop.config.json'),
    JSON.stringify({ appid: 'wx0123456789abcdef', server: 'https://api.my-shop.cn', developServer: 'http://192.168.1.5:8000' })
  )
  const { execFileSync } = require('child_process')
  execFileSync(process.execPath, [path.join(root, 'scripts/configure.js')])

  const project = JSON.parse(fs.readFileSync(path.join(root, 'project.config.json'), 'utf8'))
  expect(project.appid).toBe('wx0123456789abcdef')
  expect(project.miniprogramRoot).toBe('src/')
  const appConfig = fs.readFileSync(path.join(root, 'src/config.js'), 'utf8')
  expect(appConfig).toContain("release: 'https://api.my-shop.cn'")
  expect(appConfig).toContain("develop: 'http://192.168.1.5:8000'")
  expect(appConfig.replace(/\/\/ <configure>[\s\S]*<\/configure>/, '')).toBe(
    fs.readFileSync(path.join(__dirname, '../../src/config.js'), 'utf8').replace(/\/\/ <configure>[\s\S]*<\/configure>/, '')
  )

  fs.writeFileSync(path.join(root, 'shop.config.json'), JSON.stringify({ appid: 'not-an-appid', server: 'http://insecure' }))
  expect(() => execFileSync(process.execPath, [path.join(root, 'scripts/configure.js')], { stdio: 'pipe' })).toThrow(/appid must look like/)
  fs.rmSync(root, { recursive: true, force: true })
})

test('the committed files match shop.config.json', () => {
  const { outOfDate } = require('../../scripts/shop-config')
  expect(outOfDate()).toEqual([])
})
