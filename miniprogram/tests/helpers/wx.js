// A fake `wx` for tests: in-memory storage, recorded navigation and toasts, and wx.request
// answered by a `backend(request)` function — a route table in page tests, real HTTP in flows.
const config = require('../../src/config')

const DEVELOP_API = `${config.SERVERS.develop}/api/v1`

function clone(value) {
  return value === undefined ? value : JSON.parse(JSON.stringify(value))
}

function later(fn) {
  setTimeout(fn, 0)
}

/** A route table as a backend: {'GET /home': (req) => body | [status, body]}; others are 404. */
function routeBackend(routes) {
  return async (request) => {
    const key = `${request.method} ${request.path}`
    const handler = routes[key]
    if (!handler) return { statusCode: 404, data: { error: 'not_found', message: `no route ${key}` } }
    const result = typeof handler === 'function' ? await handler(request) : handler
    if (Array.isArray(result) && result.length === 2 && typeof result[0] === 'number') {
      return { statusCode: result[0], data: result[1] }
    }
    return { statusCode: 200, data: result }
  }
}

/**
 * A fake SocketTask (wx.connectSocket): the test plays the server with `serverOpen()`,
 * `serverSend(frame)` and `serverClose(code)`; what the page sent is in `sent` (parsed).
 */
function createSocketTask(opts) {
  const handlers = { open: [], message: [], close: [], error: [] }
  const task = {
    url: opts.url,
    sent: [],
    closed: false,
    onOpen: (fn) => handlers.open.push(fn),
    onMessage: (fn) => handlers.message.push(fn),
    onClose: (fn) => handlers.close.push(fn),
    onError: (fn) => handlers.error.push(fn),
    send({ data }) {
      if (task.closed) throw new Error('send on a closed socket')
      task.sent.push(JSON.parse(data))
    },
    close({ code = 1000 } = {}) {
      if (task.closed) return
      task.closed = true
      handlers.close.forEach((fn) => fn({ code, reason: '' }))
    },
    serverOpen: () => handlers.open.forEach((fn) => fn({})),
    serverSend: (frame) => handlers.message.forEach((fn) => fn({ data: JSON.stringify(frame) })),
    serverClose(code = 1006) {
      task.closed = true
      handlers.close.forEach((fn) => fn({ code, reason: '' }))
    },
  }
  return task
}

function createWx(options = {}) {
  const storage = new Map()
  const calls = {
    requests: [],
    navigateTo: [],
    redirectTo: [],
    switchTab: [],
    navigateBack: 0,
    toasts: [],
    loading: [],
    modals: [],
    payments: [],
    clipboard: [],
    titles: [],
    phoneCalls: [],
    tabBarBadges: [], // {index, text} set, or {index, text: ''} removed
    shareMenus: [], // the menus each wx.showShareMenu asked for
    ui: [], // loading and toasts in the order they happened
    logins: 0,
    sockets: [], // fake SocketTasks from wx.connectSocket, newest last
  }
  const state = {
    backend: options.backend || routeBackend({}),
    modalAnswer: options.modalAnswer || (() => true),
    loginCode: options.loginCode || (() => `code-${calls.logins}`),
    requestPayment: options.requestPayment || ((params) => ({ errMsg: 'requestPayment:ok', params })),
    openerEvents: null,
    envVersion: options.envVersion || 'develop',
    loadingVisible: false,
  }

  const wx = {
    calls,
    state,
    storage,
    setBackend(backend) {
      state.backend = typeof backend === 'function' ? backend : routeBackend(backend)
    },
    getAccountInfoSync: () => ({ miniProgram: { appId: 'touristappid', envVersion: state.envVersion } }),
    getSystemInfoSync: () => ({ windowWidth: 375, windowHeight: 667, pixelRatio: 2, platform: 'devtools' }),
    getWindowInfo: () => ({ windowWidth: 375, windowHeight: 667, pixelRatio: 2 }),

    request(req) {
      const url = req.url.startsWith(DEVELOP_API) ? req.url.slice(DEVELOP_API.length) : req.url
      const [path, query] = url.split('?')
      const request = {
        method: (req.method || 'GET').toUpperCase(),
        path,
        query: query || '',
        data: clone(req.data),
        header: Object.assign({}, req.header),
        url: req.url,
        timeout: req.timeout,
      }
      calls.requests.push(request)
      Promise.resolve()
        .then(() => state.backend(request))
        .then(
          (res) => later(() => req.success && req.success({ statusCode: res.statusCode, data: res.data === undefined ? '' : clone(res.data), header: {} })),
          (err) => later(() => req.fail && req.fail({ errMsg: (err && err.errMsg) || `request:fail ${err}` }))
        )
      return { abort() {} }
    },
    login({ success, fail }) {
      calls.logins += 1
      Promise.resolve()
        .then(() => state.loginCode(calls.logins))
        .then(
          (code) => later(() => success && success({ code, errMsg: 'login:ok' })),
          () => later(() => fail && fail({ errMsg: 'login:fail' }))
        )
    },

    setStorageSync(key, value) {
      storage.set(key, clone(value))
    },
    getStorageSync(key) {
      return storage.has(key) ? clone(storage.get(key)) : ''
    },
    removeStorageSync(key) {
      storage.delete(key)
    },

    showToast({ title }) {
      calls.toasts.push(title)
      calls.ui.push(`toast:${title}`)
    },
    showLoading({ title }) {
      state.loadingVisible = true
      calls.loading.push(`show:${title}`)
      calls.ui.push(`loading:${title}`)
    },
    hideLoading() {
      state.loadingVisible = false
      calls.loading.push('hide')
      calls.ui.push('hide')
    },
    showModal(opts) {
      calls.modals.push(opts)
      const confirm = !!state.modalAnswer(opts)
      later(() => {
        if (opts.success) opts.success({ confirm, cancel: !confirm })
        if (opts.complete) opts.complete({ confirm, cancel: !confirm })
      })
    },
    showActionSheet(opts) {
      later(() => opts.success && opts.success({ tapIndex: 0 }))
    },

    navigateTo(opts) {
      calls.navigateTo.push(opts.url)
      state.openerEvents = opts.events || null
      later(() => opts.success && opts.success({}))
    },
    redirectTo(opts) {
      calls.redirectTo.push(opts.url)
      later(() => opts.success && opts.success({}))
    },
    switchTab(opts) {
      calls.switchTab.push(opts.url)
    },
    navigateBack(opts = {}) {
      calls.navigateBack += 1
      later(() => opts.success && opts.success({}))
    },

    requestPayment(opts) {
      calls.payments.push(opts)
      Promise.resolve()
        .then(() => state.requestPayment(opts))
        .then(
          (res) => later(() => opts.success && opts.success(res)),
          (err) => later(() => opts.fail && opts.fail({ errMsg: (err && err.errMsg) || String(err) }))
        )
    },

    stopPullDownRefresh() {},
    setNavigationBarTitle({ title }) {
      calls.titles.push(title)
    },
    setClipboardData(opts) {
      calls.clipboard.push(opts.data)
      later(() => opts.success && opts.success({}))
    },
    previewImage() {},
    connectSocket(opts) {
      const task = createSocketTask(opts)
      calls.sockets.push(task)
      return task
    },
    makePhoneCall(opts) {
      calls.phoneCalls.push(opts.phoneNumber)
      later(() => opts.success && opts.success({}))
    },
    onNeedPrivacyAuthorization(listener) {
      state.privacyListener = listener
    },
    getPrivacySetting(opts) {
      later(() => opts.success && opts.success({ needAuthorization: true, privacyContractName: '《小店隐私保护指引》' }))
    },
    openPrivacyContract() {
      calls.privacyContracts = (calls.privacyContracts || 0) + 1
    },
    showShareMenu(opts) {
      calls.shareMenus.push(opts.menus)
    },
    setTabBarBadge(opts) {
      calls.tabBarBadges.push({ index: opts.index, text: opts.text })
    },
    removeTabBarBadge(opts) {
      calls.tabBarBadges.push({ index: opts.index, text: '' })
    },
    pageScrollTo() {},
    chooseLocation(opts) {
      if (state.locationDenied) {
        later(() => opts.fail && opts.fail({ errMsg: 'chooseLocation:fail auth deny' }))
        return
      }
      const result = options.location || { name: '', address: '', latitude: 0, longitude: 0 }
      later(() => opts.success && opts.success(result))
    },
    chooseAddress(opts) {
      const picked = options.wechatAddress || {
        userName: '张三', telNumber: '13800138000', provinceName: '广东省', cityName: '深圳市',
        countyName: '南山区', detailInfo: '科苑路15号', postalCode: '518057',
      }
      later(() => opts.success && opts.success(picked))
    },
    openSetting(opts) {
      calls.openSetting = (calls.openSetting || 0) + 1
      later(() => opts.success && opts.success({ authSetting: { 'scope.userLocation': true } }))
    },
    chooseMedia(opts) {
      later(() => opts.success && opts.success({ tempFiles: [{ tempFilePath: 'wxfile://tmp/photo.jpg', size: 1000 }] }))
    },
    uploadFile(opts) {
      Promise.resolve()
        .then(() => (options.upload ? options.upload(opts) : { statusCode: 201, data: JSON.stringify({ url: 'https://cdn.test/photo.webp' }) }))
        .then(
          (result) => later(() => opts.success && opts.success(result)),
          (err) => later(() => opts.fail && opts.fail({ errMsg: (err && err.errMsg) || String(err) }))
        )
      return { abort() {} }
    },
  }
  return wx
}

module.exports = { createWx, createSocketTask, routeBackend, DEVELOP_API }
