/* 小店商家后台: Alpine components (image uploader, spec × SKU matrix), htmx settings, toasts,
   confirmations and the dashboard chart. Loaded after htmx and before Alpine (both deferred). */
(function () {
  'use strict'

  const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content || ''
  const csrfToken = () => meta('csrf-token')
  const base = () => meta('console-base')

  /* ---------- toasts ---------- */
  function showToast(message, kind) {
    const box = document.getElementById('toasts')
    if (!box || !message) return
    const toast = document.createElement('div')
    toast.className = `toast toast-${kind || 'success'}`
    toast.setAttribute('role', kind === 'error' ? 'alert' : 'status')
    toast.textContent = message
    box.appendChild(toast)
    setTimeout(() => toast.remove(), kind === 'error' ? 4200 : 2600)
  }
  window.consoleToast = showToast

  document.addEventListener('toast', (event) => {
    const detail = event.detail || {}
    showToast(detail.message, detail.kind)
  })

  /* ---------- htmx ---------- */
  if (window.htmx) {
    // 422 answers carry the form again with messages next to the fields: swap them in.
    window.htmx.config.responseHandling = [
      { code: '204', swap: false },
      { code: '[23]..', swap: true },
      { code: '422', swap: true },
      { code: '[45]..', swap: false, error: true },
      { code: '...', swap: false },
    ]
    document.addEventListener('htmx:responseError', (event) => {
      const xhr = event.detail.xhr
      if (!xhr.getResponseHeader('HX-Trigger') && !xhr.getResponseHeader('HX-Redirect')) {
        showToast(`操作失败（${xhr.status}），请刷新后重试`, 'error')
      }
    })
    document.addEventListener('htmx:sendError', () => showToast('网络连接失败，请稍后重试', 'error'))
  }

  /* ---------- confirmations for plain forms ---------- */
  document.addEventListener('submit', (event) => {
    const form = event.target
    if (!(form instanceof HTMLFormElement)) return
    // data-confirm-empty: asked only when the form's text is empty (clearing a published reply).
    const text = form.querySelector('textarea, input[type="text"]')
    const clearing = form.dataset.confirmEmpty && text && text.value.trim() === ''
    const question = form.dataset.confirm || (clearing ? form.dataset.confirmEmpty : '')
    if (question && !window.confirm(question)) {
      event.preventDefault()
      event.stopImmediatePropagation()
    }
  }, true)

  /* ---------- a refused form: its summary at the top, the first field that needs fixing in view ---------- */
  window.addEventListener('load', () => {
    const summary = document.querySelector('[data-error-summary]')
    if (!summary) return
    const first = summary.querySelector('a[href^="#"]')
    const target = first && document.getElementById(first.getAttribute('href').slice(1))
    requestAnimationFrame(() => {
      if (target) {
        target.scrollIntoView({ block: 'center' })
        if (typeof target.focus === 'function') target.focus({ preventScroll: true })
      } else {
        summary.focus()
      }
    })
  })

  /* ---------- unsaved edits: <form data-unsaved-warning> asks before the page is left ---------- */
  let unsaved = null
  const markUnsaved = (event) => {
    const form = event.target instanceof Element ? event.target.closest('form[data-unsaved-warning]') : null
    if (form && !(event.type === 'click' && !event.target.closest('button[type="button"]'))) unsaved = form
  }
  document.addEventListener('input', markUnsaved, true)
  document.addEventListener('change', markUnsaved, true)
  document.addEventListener('click', markUnsaved, true)
  document.addEventListener('submit', (event) => {
    if (event.target === unsaved && !event.defaultPrevented) unsaved = null
  })
  window.addEventListener('beforeunload', (event) => {
    if (!unsaved || !document.body.contains(unsaved)) return
    event.preventDefault()
    event.returnValue = ''  // Chromium shows its own "leave site?" question
  })

  /* ---------- small behaviours, without inline handlers (the page's CSP runs no inline script) ---------- */
  // <select data-autosubmit> submits its form on change ("request": through requestSubmit, so
  // confirmations and htmx see it).
  document.addEventListener('change', (event) => {
    const field = event.target
    if (!(field instanceof HTMLElement) || field.dataset.autosubmit === undefined || !field.form) return
    // data-confirm-change="…{value}…": asked before saving; cancelling puts the old choice back.
    if (field instanceof HTMLSelectElement && field.dataset.confirmChange) {
      const chosen = field.options[field.selectedIndex]
      if (!window.confirm(field.dataset.confirmChange.replace('{value}', chosen ? chosen.text : ''))) {
        const saved = Array.from(field.options).find((option) => option.defaultSelected)
        if (saved) field.value = saved.value
        return
      }
    }
    if (field.dataset.autosubmit === 'request') field.form.requestSubmit()
    else field.form.submit()
  })
  // <img data-fallback> that fails to load is hidden (errors do not bubble: listen while capturing,
  // and look once for the ones that failed before this script ran).
  const markBroken = (image) => image.classList.add('is-broken')
  document.addEventListener('error', (event) => {
    if (event.target instanceof HTMLImageElement && event.target.dataset.fallback !== undefined) markBroken(event.target)
  }, true)
  document.addEventListener('DOMContentLoaded', () => {
    document.querySelectorAll('img[data-fallback]').forEach((image) => {
      if (image.complete && image.naturalWidth === 0 && image.getAttribute('src')) markBroken(image)
    })
  })
  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null
    if (target?.closest('[data-print]')) window.print()
    const back = target?.closest('a[data-back]')
    if (back && window.history.length > 1) {
      event.preventDefault()
      window.history.back()
    }
  })

  /* ---------- orders in bulk: row checkboxes for the print bar ---------- */
  const bulkBoxes = () => [...document.querySelectorAll('input[type=checkbox][name=ids][form=bulk]')]
  const showPicked = () => {
    const label = document.querySelector('[data-selected-count]')
    const picked = bulkBoxes().filter((box) => box.checked).length
    if (label) label.textContent = picked ? `已选 ${picked} 单：` : '勾选订单后：'
  }
  document.addEventListener('change', (event) => {
    const field = event.target
    if (!(field instanceof HTMLInputElement)) return
    if (field.dataset.pickAll !== undefined) bulkBoxes().forEach((box) => { box.checked = field.checked })
    if (field.dataset.pickAll !== undefined || field.getAttribute('form') === 'bulk') showPicked()
  })
  document.addEventListener('submit', (event) => {
    const form = event.target
    if (form instanceof HTMLFormElement && form.dataset.bulk !== undefined && !bulkBoxes().some((box) => box.checked)) {
      event.preventDefault()
      window.alert('请先勾选')
    }
  })

  /* ---------- new-order alert: poll, beep, count in the title, notify; mutable ---------- */
  const ALERT_UNREAD = 'xd-alert-unread'
  const ALERT_MUTED = 'xd-alert-muted'
  const store = {
    get: (key, fallback) => { try { return window.localStorage.getItem(key) ?? fallback } catch { return fallback } },
    set: (key, value) => { try { window.localStorage.setItem(key, value) } catch { /* private mode */ } },
  }
  const baseTitle = document.title
  function showUnread() {
    const unread = Number(store.get(ALERT_UNREAD, '0')) || 0
    document.title = unread ? `(${unread}) ${baseTitle}` : baseTitle
    const badge = document.querySelector('[data-alert-count]')
    if (badge) {
      badge.textContent = String(unread)
      badge.hidden = unread === 0
    }
    const bell = document.querySelector('[data-alerts]')
    if (bell) bell.classList.toggle('is-muted', store.get(ALERT_MUTED, '') === '1')
  }
  function beep() {
    const Context = window.AudioContext || window.webkitAudioContext
    if (!Context) return
    try {
      const audio = new Context()
      const tone = audio.createOscillator()
      const gain = audio.createGain()
      tone.frequency.value = 880
      gain.gain.setValueAtTime(0.2, audio.currentTime)
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.6)
      tone.connect(gain).connect(audio.destination)
      tone.start()
      tone.stop(audio.currentTime + 0.6)
    } catch { /* no audio device */ }
  }
  function announce(data, bell) {
    const count = data.paid.length + data.refunds.length
    if (!count) return
    store.set(ALERT_UNREAD, String((Number(store.get(ALERT_UNREAD, '0')) || 0) + count))
    const parts = []
    if (data.paid.length) parts.push(`${data.paid.length} 笔新订单已支付`)
    if (data.refunds.length) parts.push(`${data.refunds.length} 笔退款申请`)
    const text = parts.join('，')
    bell.dataset.lastAlert = text
    showUnread()
    if (store.get(ALERT_MUTED, '') === '1') return
    beep()
    if ('Notification' in window && window.Notification.permission === 'granted') {
      try { new window.Notification('小店 · 新消息', { body: text, tag: 'xiaodian-orders' }) } catch { /* some browsers need a service worker */ }
    }
  }
  function startAlerts() {
    const bell = document.querySelector('[data-alerts]')
    if (!bell) return
    const path = window.location.pathname
    if (/\/(orders|refunds)(\/|$)/.test(path.replace(bell.dataset.alerts.replace(/\/alerts$/, ''), ''))) store.set(ALERT_UNREAD, '0')
    showUnread()
    let cursor = ''
    const every = (Number(bell.dataset.every) || 10) * 1000
    let timer = 0
    const poll = async () => {
      window.clearTimeout(timer)
      try {
        const response = await fetch(`${bell.dataset.alerts}?since=${encodeURIComponent(cursor)}`, { headers: { Accept: 'application/json' } })
        if (response.ok) {
          const data = await response.json()
          if (cursor) announce(data, bell)
          cursor = data.cursor
          bell.dataset.cursor = cursor
        }
      } catch { /* offline for a moment: the next poll catches up */ }
      // The dashboard's merchant channel announces payments and refund requests itself (it
      // sends xd:poll-alerts), so the bell only polls while that channel is not open.
      if (document.body.dataset.liveSocket !== 'open') timer = window.setTimeout(poll, every)
    }
    poll()
    document.addEventListener('xd:live-socket', (event) => {
      window.clearTimeout(timer)
      if (!event.detail.open && cursor) poll()
    })
    // Asked again at once when the tab comes back into view (and by tests, without waiting).
    document.addEventListener('visibilitychange', () => { if (!document.hidden && cursor) poll() })
    document.addEventListener('xd:poll-alerts', () => { if (cursor) poll() })
    bell.addEventListener('click', () => {
      if ('Notification' in window && window.Notification.permission === 'default') {
        window.Notification.requestPermission()
        return
      }
      const muted = store.get(ALERT_MUTED, '') === '1'
      store.set(ALERT_MUTED, muted ? '' : '1')
      store.set(ALERT_UNREAD, '0')
      showUnread()
    })
    window.addEventListener('storage', showUnread)
  }
  document.addEventListener('DOMContentLoaded', startAlerts)

  /* ---------- banners: drag (or ‹ ›) to reorder, saved at once ---------- */
  function bannerOrder() {
    const grid = document.querySelector('[data-banner-order]')
    if (!grid) return
    let dragged = null
    const cards = () => Array.from(grid.querySelectorAll('[data-banner-id]'))
    async function save() {
      const body = new URLSearchParams()
      body.append('csrf_token', csrfToken())
      cards().forEach((card) => body.append('ids', card.dataset.bannerId))
      try {
        const response = await fetch(`${base()}/banners/order`, {
          method: 'POST',
          body,
          credentials: 'same-origin',
          headers: { 'X-CSRF-Token': csrfToken() },
        })
        if (response.ok) {
          grid.dataset.saved = String(Number(grid.dataset.saved || 0) + 1)
          showToast('顺序已保存')
          return
        }
        const data = await response.json().catch(() => ({}))
        showToast(data.message || `顺序没有保存（${response.status}）`, 'error')
      } catch (failure) {
        showToast('网络错误，顺序没有保存', 'error')
      }
    }
    function place(card, target, before) {
      grid.insertBefore(card, before ? target : target.nextSibling)
      save()
    }
    grid.addEventListener('dragstart', (event) => {
      const card = event.target instanceof Element ? event.target.closest('[data-banner-id]') : null
      if (!card) return
      dragged = card
      card.classList.add('is-dragging')
      event.dataTransfer.effectAllowed = 'move'
      event.dataTransfer.setData('text/plain', card.dataset.bannerId)
    })
    grid.addEventListener('dragover', (event) => {
      if (dragged) event.preventDefault()
    })
    grid.addEventListener('drop', (event) => {
      const target = event.target instanceof Element ? event.target.closest('[data-banner-id]') : null
      if (!dragged || !target || target === dragged) return
      event.preventDefault()
      const list = cards()
      place(dragged, target, list.indexOf(dragged) > list.indexOf(target))
    })
    grid.addEventListener('dragend', () => {
      if (dragged) dragged.classList.remove('is-dragging')
      dragged = null
    })
    grid.addEventListener('click', (event) => {
      const button = event.target instanceof Element ? event.target.closest('[data-banner-move]') : null
      if (!button) return
      const card = button.closest('[data-banner-id]')
      const list = cards()
      const step = Number(button.dataset.bannerMove)
      const other = list[list.indexOf(card) + step]
      if (other) place(card, other, step < 0)
    })
  }
  document.addEventListener('DOMContentLoaded', bannerOrder)

  /* ---------- the banner form's goods picker: a picked goods item becomes the link ---------- */
  document.addEventListener('click', (event) => {
    const option = event.target instanceof Element ? event.target.closest('[data-pick-goods]') : null
    if (!option) return
    const form = option.closest('form')
    if (!form) return
    form.querySelector('[name=link_type]').value = 'goods'
    form.querySelector('[name=link_value]').value = option.dataset.pickGoods
    const picked = form.querySelector('[data-picked]')
    if (picked) picked.textContent = `已选：${option.dataset.pickTitle}（ID ${option.dataset.pickGoods}）`
  })

  /* ---------- Alpine components ---------- */
  document.addEventListener('alpine:init', () => {
    const Alpine = window.Alpine

    Alpine.data('imageList', (config) => ({
      images: [...(config.images || [])],
      max: config.max || 9,
      hover: false,
      uploading: 0,
      error: '',
      dragFrom: null,

      thumb(url) {
        return url.replace(/-800\.webp$/, '-240.webp')
      },
      pick(event) {
        this.upload(event.target.files)
        event.target.value = ''
      },
      dropFiles(event) {
        this.hover = false
        if (event.dataTransfer && event.dataTransfer.files.length) this.upload(event.dataTransfer.files)
      },
      async upload(fileList) {
        this.error = ''
        const files = Array.from(fileList || [])
        // a single picture (a logo) is replaced by the new one: no need to remove it first
        const single = this.max === 1
        const room = single ? 1 : this.max - this.images.length
        if (files.length > room) this.error = `最多 ${this.max} 张图片，多出的没有上传`
        for (const file of files.slice(0, Math.max(room, 0))) {
          this.uploading += 1
          try {
            const body = new FormData()
            body.append('file', file)
            const response = await fetch(`${base()}/media/images`, {
              method: 'POST',
              body,
              credentials: 'same-origin',
              headers: { 'X-CSRF-Token': csrfToken() },
            })
            const data = await response.json().catch(() => ({}))
            if (!response.ok) {
              this.error = data.message || `上传失败（${response.status}）`
            } else if (single) {
              this.images = [data.url]
            } else if (!this.images.includes(data.url)) {
              this.images.push(data.url)
            }
          } catch (failure) {
            this.error = '网络错误，图片没有上传成功'
          } finally {
            this.uploading -= 1
          }
        }
      },
      startDrag(index, event) {
        this.dragFrom = index
        event.dataTransfer.effectAllowed = 'move'
        event.dataTransfer.setData('text/plain', String(index))
      },
      dropOn(index, event) {
        if (event.dataTransfer && event.dataTransfer.files.length) return this.dropFiles(event)
        if (this.dragFrom === null || this.dragFrom === index) return
        const [moved] = this.images.splice(this.dragFrom, 1)
        this.images.splice(index, 0, moved)
        this.dragFrom = null
      },
      move(index, delta) {
        const target = index + delta
        if (target < 0 || target >= this.images.length) return
        const [moved] = this.images.splice(index, 1)
        this.images.splice(target, 0, moved)
      },
      remove(index) {
        this.images.splice(index, 1)
      },
    }))

    const comboKey = (values) => JSON.stringify(values)
    const MAX_SKUS = 200 // what the catalog accepts for one goods item

    // 商品详情: ordered blocks of text paragraphs and images (uploaded like the goods photos),
    // posted as one JSON list; the API checks them (50 blocks, 2000 characters a paragraph).
    Alpine.data('descriptionBlocks', (config) => ({
      blocks: (config.blocks || []).map((block, i) => ({ ...block, uid: i + 1 })),
      errors: config.errors || {},
      nextUid: (config.blocks || []).length,
      uploading: 0,
      error: '',
      max: 50,

      get posted() {
        return JSON.stringify(this.blocks.map(({ uid, ...block }) => block))
      },
      thumb(url) {
        return url.replace(/-800\.webp$/, '-240.webp')
      },
      blockError(i) {
        const key = `description_blocks.${i}`
        return this.errors[`${key}.text`] || this.errors[`${key}.url`] || this.errors[`${key}.type`] ||
          this.errors[`${key}.width`] || this.errors[`${key}.height`] || this.errors[key] || ''
      },
      addText() {
        if (this.blocks.length >= this.max) return
        this.blocks.push({ uid: ++this.nextUid, type: 'text', text: '' })
        this.$nextTick(() => {
          const fields = this.$root.querySelectorAll('textarea[data-block-text]')
          if (fields.length) fields[fields.length - 1].focus()
        })
      },
      async pick(event) {
        const files = Array.from(event.target.files || [])
        event.target.value = ''
        this.error = ''
        for (const file of files) {
          if (this.blocks.length >= this.max) {
            this.error = `商品详情最多 ${this.max} 段`
            break
          }
          this.uploading += 1
          try {
            const body = new FormData()
            body.append('file', file)
            const response = await fetch(`${base()}/media/images`, {
              method: 'POST', body, credentials: 'same-origin', headers: { 'X-CSRF-Token': csrfToken() },
            })
            const data = await response.json().catch(() => ({}))
            if (!response.ok) this.error = data.message || `上传失败（${response.status}）`
            else this.measure(this.blocks[this.blocks.push({ uid: ++this.nextUid, type: 'image', url: data.url, width: 0, height: 0 }) - 1])
          } catch (failure) {
            this.error = '网络错误，图片没有上传成功'
          } finally {
            this.uploading -= 1
          }
        }
      },
      measure(block) {
        // The stored picture's own size, so the shop can keep its proportions before it loads.
        const probe = new Image()
        probe.onload = () => {
          block.width = probe.naturalWidth
          block.height = probe.naturalHeight
        }
        probe.src = block.url
      },
      move(index, delta) {
        const target = index + delta
        if (target < 0 || target >= this.blocks.length) return
        const [moved] = this.blocks.splice(index, 1)
        this.blocks.splice(target, 0, moved)
        this.errors = {}
      },
      remove(index) {
        this.blocks.splice(index, 1)
        this.errors = {}
      },
    }))

    Alpine.data('skuMatrix', (config) => ({
      specs: [],
      rows: {},
      drafts: {},
      combos: [],
      errors: config.errors || {},
      batch: { price: '', stock: '' },
      nextUid: 0,
      tooMany: false,
      picking: null, // the key of the row whose picture is being chosen
      pickingLabel: '',
      goodsPictures: [],
      uploading: false,
      pictureError: '',

      init() {
        this.specs = (config.specs || []).map((spec) => ({
          uid: ++this.nextUid, name: spec.name, values: [...spec.values],
        }))
        for (const sku of config.skus || []) {
          this.rows[comboKey(sku.spec_values)] = {
            price: sku.price ?? '', stock: sku.stock ?? '0', stock_was: sku.stock_was ?? '',
            code: sku.code || '', is_active: sku.is_active !== false, waiting: sku.waiting || 0,
            image_url: sku.image_url || '', market_price: sku.market_price ?? '',
          }
        }
        this.regenerate()
        this.$watch('specs', () => this.regenerate())
      },
      get namedSpecs() {
        return this.specs.filter((spec) => spec.values.length > 0)
      },
      // The matrix is the product of every spec's values; rows that survive keep what was typed.
      regenerate() {
        const count = this.namedSpecs.reduce((product, spec) => product * spec.values.length, 1)
        this.tooMany = count > MAX_SKUS
        if (this.tooMany) {
          this.combos = []
          return
        }
        let combos = [[]]
        for (const spec of this.namedSpecs) {
          combos = combos.flatMap((combo) => spec.values.map((value) => [...combo, value]))
        }
        this.combos = combos.map((values) => {
          const key = comboKey(values)
          if (!this.rows[key]) {
            const parent = this.rows[comboKey(values.slice(0, -1))]
            this.rows[key] = {
              price: parent ? parent.price : '', stock: '0', stock_was: '', code: '', is_active: true,
              image_url: '', market_price: '',
            }
          }
          return { key, values, label: values.join(' / ') || '默认规格' }
        })
      },
      clearErrors() {
        this.errors = {}
      },
      addSpec() {
        if (this.specs.length >= 3) return
        this.specs.push({ uid: ++this.nextUid, name: '', values: [] })
        this.clearErrors()
      },
      removeSpec(index) {
        this.specs.splice(index, 1)
        this.clearErrors()
      },
      addValue(index) {
        const spec = this.specs[index]
        const typed = this.drafts[spec.uid] || ''
        for (const part of typed.split(/[,，、;；\s]+/)) {
          const value = part.trim().slice(0, 20)
          if (value && !spec.values.includes(value) && spec.values.length < 20) spec.values.push(value)
        }
        this.drafts[spec.uid] = ''
        this.clearErrors()
      },
      removeValue(index, valueIndex) {
        this.specs[index].values.splice(valueIndex, 1)
        this.clearErrors()
      },
      thumb(url) {
        return url.replace(/-800\.webp$/, '-240.webp')
      },
      // A SKU's picture: one of the goods' pictures (as the 商品图片 card holds them now), or
      // a new upload to the shop's media; '' leaves the goods' cover to show.
      openPicture(combo) {
        if (this.picking === combo.key) {
          this.picking = null
          return
        }
        this.goodsPictures = Array.from(document.querySelectorAll('#goods-images input[name="images"]'), (input) => input.value)
        this.picking = combo.key
        this.pickingLabel = combo.label
        this.pictureError = ''
      },
      choosePicture(url) {
        if (this.picking) this.rows[this.picking].image_url = url
        this.picking = null
      },
      async uploadPicture(event) {
        const file = (event.target.files || [])[0]
        event.target.value = ''
        if (!file) return
        this.uploading = true
        this.pictureError = ''
        try {
          const body = new FormData()
          body.append('file', file)
          const response = await fetch(`${base()}/media/images`, {
            method: 'POST', body, credentials: 'same-origin', headers: { 'X-CSRF-Token': csrfToken() },
          })
          const data = await response.json().catch(() => ({}))
          if (!response.ok) this.pictureError = data.message || `上传失败（${response.status}）`
          else this.choosePicture(data.url)
        } catch (failure) {
          this.pictureError = '网络错误，图片没有上传成功'
        } finally {
          this.uploading = false
        }
      },
      fillAll() {
        for (const combo of this.combos) {
          if (this.batch.price !== '') this.rows[combo.key].price = this.batch.price
          if (this.batch.stock !== '') this.rows[combo.key].stock = this.batch.stock
        }
      },
    }))
  })

  /* ---------- dashboard chart ---------- */
  const yuan = (fen) => `${Math.trunc(fen / 100)}.${String(Math.abs(fen % 100)).padStart(2, '0')}`

  function drawSalesChart() {
    const element = document.querySelector('[data-sales-chart]')
    const source = document.getElementById('sales-chart-data')
    if (!element || !source || !window.echarts) return
    const data = JSON.parse(source.textContent)
    const chart = window.echarts.init(element, null, { renderer: 'canvas' })
    const muted = '#86909c'
    chart.setOption({
      animationDuration: 400,
      textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
      grid: { left: 4, right: 8, top: 30, bottom: 0, containLabel: true },
      tooltip: {
        trigger: 'axis',
        formatter: (items) => {
          const index = items[0].dataIndex
          return `${data.days[index]}<br>净销售额 ¥${yuan(data.sales_fen[index])}<br>支付 ¥${yuan(data.paid_fen[index])} · 退款 ¥${yuan(data.refund_fen[index])}<br>支付订单 ${data.orders[index]} 单`
        },
      },
      xAxis: {
        type: 'category',
        data: data.days,
        boundaryGap: true,
        axisTick: { show: false },
        axisLine: { lineStyle: { color: '#e5e6eb' } },
        axisLabel: { color: muted, hideOverlap: true },
      },
      yAxis: [
        {
          type: 'value', name: '元', nameTextStyle: { color: muted, align: 'right' },
          splitLine: { lineStyle: { color: '#f0f1f4' } }, axisLabel: { color: muted },
        },
        {
          type: 'value', name: '单', nameTextStyle: { color: muted, align: 'left' },
          splitLine: { show: false }, axisLabel: { color: muted }, minInterval: 1,
        },
      ],
      series: [
        {
          name: '支付订单', type: 'bar', yAxisIndex: 1, data: data.orders, barMaxWidth: 14,
          itemStyle: { color: 'rgba(47, 111, 237, 0.16)', borderRadius: [3, 3, 0, 0] },
        },
        {
          name: '净销售额', type: 'line', smooth: false, showSymbol: false, symbolSize: 6,
          data: data.sales_fen.map((fen) => fen / 100),
          lineStyle: { width: 2.5, color: '#ec5e4c' }, itemStyle: { color: '#ec5e4c' },
          areaStyle: {
            color: new window.echarts.graphic.LinearGradient(0, 0, 0, 1, [
              { offset: 0, color: 'rgba(236, 94, 76, 0.28)' },
              { offset: 1, color: 'rgba(236, 94, 76, 0.02)' },
            ]),
          },
        },
      ],
    })
    // Marked once drawn (its animation over), so a test takes its screenshot then.
    chart.on('finished', () => element.setAttribute('data-drawn', ''))
    window.addEventListener('resize', () => chart.resize())
  }

  document.addEventListener('DOMContentLoaded', drawSalesChart)

  /* ---------- report chart: net sales per row (days as a line, goods and SKUs as bars) ---------- */
  function drawReportChart() {
    const element = document.querySelector('[data-report-chart]')
    const source = document.getElementById('report-chart-data')
    if (!element || !source || !window.echarts) return
    const data = JSON.parse(source.textContent)
    const chart = window.echarts.init(element, null, { renderer: 'canvas' })
    const muted = '#86909c'
    const byDay = data.by === 'day'
    chart.setOption({
      animationDuration: 300,
      textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
      grid: { left: 4, right: 8, top: 24, bottom: 0, containLabel: true },
      tooltip: {
        trigger: 'axis',
        formatter: (items) => {
          const i = items[0].dataIndex
          return `${data.labels[i]}<br>净销售额 ¥${yuan(data.net_fen[i])}<br>订单 ${data.orders[i]} · 件数 ${data.units[i]}`
        },
      },
      xAxis: {
        type: 'category', data: data.labels, axisTick: { show: false },
        axisLabel: { color: muted, hideOverlap: true, overflow: 'truncate', width: 80 },
      },
      yAxis: { type: 'value', name: '元', axisLabel: { color: muted }, splitLine: { lineStyle: { color: '#f0f1f4' } } },
      series: [{
        name: '净销售额', type: byDay ? 'line' : 'bar', data: data.net_fen.map((fen) => fen / 100),
        showSymbol: false, barMaxWidth: 28, lineStyle: { width: 2.5, color: '#ec5e4c' }, itemStyle: { color: '#ec5e4c' },
      }],
    })
    chart.on('finished', () => element.setAttribute('data-drawn', ''))
    window.addEventListener('resize', () => chart.resize())
  }

  document.addEventListener('DOMContentLoaded', drawReportChart)

  /* ---------- the dashboard's live part ---------- */
  // While the merchant channel is open the live numbers refresh only when a frame says that
  // something happened (a new order, a payment, a refund request, low stock); the frames of one
  // burst make one refresh. While the socket is down (or cannot connect at all) they poll every
  // `data-every` seconds, and the socket reconnects with backoff; once it is back the poll stops
  // and one refresh catches up. One refresh at a time, and a frame that arrives while one loads
  // asks for another after it. htmx's own `hx-sync` queue cannot do that: its queued request
  // belongs to the panel that the first answer replaces (outerHTML), and htmx drops requests of
  // elements that have left the page, so the panel kept the numbers from before the payment
  // that the second frame announced.
  function startDashboardLive() {
    const first = document.getElementById('live-stats')
    if (!first || !window.htmx) return
    const url = first.dataset.liveUrl
    const every = (Number(first.dataset.every) || 5) * 1000
    let loading = false
    let again = false
    let debounce = 0
    let poller = 0
    const refresh = () => {
      debounce = 0
      if (loading) {
        again = true
        return
      }
      loading = true
      const done = () => {
        loading = false
        if (again) {
          again = false
          refresh()
        }
      }
      window.htmx.ajax('GET', url, { source: '#live-stats', target: '#live-stats', swap: 'outerHTML' }).then(done, done)
    }
    const soon = () => { if (!debounce) debounce = window.setTimeout(refresh, 150) }
    const setSocket = (open) => {
      if (open) document.body.dataset.liveSocket = 'open'
      else delete document.body.dataset.liveSocket
      document.dispatchEvent(new CustomEvent('xd:live-socket', { detail: { open } }))
    }
    const startPolling = () => {
      if (poller) return
      document.body.dataset.livePolling = ''
      poller = window.setInterval(refresh, every)
    }
    const stopPolling = () => {
      if (!poller) return false
      window.clearInterval(poller)
      poller = 0
      delete document.body.dataset.livePolling
      return true
    }
    const connect = (attempt) => {
      let socket
      try {
        socket = new WebSocket(`${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${first.dataset.liveSocket}`)
      } catch {
        startPolling()
        return
      }
      let ping = 0
      socket.addEventListener('open', () => {
        attempt = 0
        setSocket(true)
        if (stopPolling()) soon()  // whatever happened while it was down
        ping = window.setInterval(() => socket.send('{"op":"ping"}'), 25000)
      })
      socket.addEventListener('message', (event) => {
        let frame = {}
        try {
          frame = JSON.parse(event.data)
        } catch {
          return
        }
        if (frame.type === 'pong') return
        document.body.dataset.liveEvents = String(Number(document.body.dataset.liveEvents || 0) + 1)
        soon()
        if (frame.type === 'order_paid' || frame.type === 'refund_requested') document.dispatchEvent(new Event('xd:poll-alerts'))
      })
      socket.addEventListener('close', () => {
        window.clearInterval(ping)
        if (document.body.dataset.liveSocket) setSocket(false)
        startPolling()
        window.setTimeout(() => connect(attempt + 1), [1000, 2000, 5000, 10000, 30000][Math.min(attempt, 4)])
      })
    }
    if (window.WebSocket && first.dataset.liveSocket) connect(0)
    else startPolling()
  }
  document.addEventListener('DOMContentLoaded', startDashboardLive)
})()
