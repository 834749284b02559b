// A page rendered by miniprogram-simulate, as one standalone HTML document that Chromium draws
// the way WeChat draws the page on a 375 px iPhone: WeChat's built-in tags get the base
// library's styles, <image>/<swiper>/<input> the inner structure WeChat gives them, the page's
// and its components' WXSS with rpx rounded as on the phone (750 rpx = 375 px), app.wxss, and the
// status bar, navigation bar (with the capsule) and tab bar drawn from app.json.
//
// Elements a shopper can tap (a tap/longpress binding, <button>, <navigator>) are marked
// data-tappable, so the layout check can measure them.
const fs = require('fs')
const path = require('path')

const SRC = path.join(__dirname, '..', '..', 'src')
const WIDTH = 375
const HEIGHT = 667
const STATUS_BAR = 20
const NAV_BAR = 44
const TAB_BAR = 50

const app = JSON.parse(fs.readFileSync(path.join(SRC, 'app.json'), 'utf8'))
const TAB_PAGES = app.tabBar.list.map((tab) => tab.pagePath)

/** rpx as an iPhone at 375 px and DPR 2 rounds it: down to the pixel, a hairline never lost. */
function rpx(value) {
  const size = Math.abs(value)
  let px = Math.floor((size * WIDTH) / 750 + 1e-4)
  if (px === 0 && size !== 0) px = 0.5
  return value < 0 ? -px : px
}

function withPx(css) {
  return String(css).replace(/(-?\d*\.?\d+)rpx/gi, (_, n) => `${rpx(parseFloat(n))}px`)
}

/** Makes miniprogram-simulate convert rpx as the phone does (call before the first page loads). */
function useRealRpx() {
  require('miniprogram-simulate/src/utils').transformRpx = withPx
  require('j-component/src/tool/utils').transformRpx = withPx
}

const escape = (text) =>
  String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

const isOn = (value) => value === true || value === '' || value === 'true'

/** The WXML attributes and event bindings of a simulate node. */
function wxmlOf(node) {
  const virtual = node.__wxElement && node.__wxElement._vt
  const attrs = {}
  for (const attr of (virtual && virtual.attrs) || []) attrs[attr.name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)] = attr.value
  const events = Object.keys((virtual && virtual.event) || {})
  return { attrs, tappable: events.some((name) => /^(tap|longpress|longtap)$/.test(name)) }
}

const IMAGE_SIZE = { aspectFill: 'cover', aspectFit: 'contain' }

/** A picture of the package itself ("/images/…", as WeChat reads it) from the source tree. */
function packageFile(src) {
  return /^\/[^/]/.test(src) ? `file://${path.join(SRC, src)}` : src
}

function element(node) {
  if (node.nodeType === 3) return escape(node.textContent)
  if (node.nodeType !== 1) return ''
  const tag = node.tagName.toLowerCase()
  if (tag === 'style' || tag === 'wxs') return ''
  const { attrs, tappable } = wxmlOf(node)
  const className = node.getAttribute('class') || ''
  let style = node.getAttribute('style') || ''
  if (isOn(attrs.hidden)) style += ';display:none'
  const marks = tappable || tag === 'wx-button' || tag === 'wx-navigator' ? ' data-tappable' : ''
  const open = (name, extra = '') =>
    `<${name}${className ? ` class="${escape(className)}"` : ''}${style ? ` style="${escape(style)}"` : ''}${marks}${extra}>`
  const children = () => Array.from(node.childNodes).map(element).join('')

  switch (tag) {
    case 'wx-image': {
      const mode = attrs.mode || 'scaleToFill'
      const size = IMAGE_SIZE[mode] || '100% 100%'
      const src = attrs.src ? `url('${escape(packageFile(attrs.src))}')` : 'none'
      return `${open('wx-image')}<span class="wx-image__picture" style="background-image:${src};background-size:${size}"></span></wx-image>`
    }
    case 'wx-swiper': {
      // The first slide (or `current`), as a phone shows it before anyone swipes.
      const current = Number(attrs.current || 0)
      const slides = Array.from(node.children).filter((child) => child.tagName.toLowerCase() === 'wx-swiper-item')
      const shown = slides.map((slide, i) =>
        element(slide).replace(/^<wx-swiper-item/, `<wx-swiper-item style="transform:translateX(${(i - current) * 100}%)"`)
      )
      const dots = isOn(attrs['indicator-dots'])
        ? `<span class="wx-swiper__dots">${slides
            .map((_, i) => `<i style="background:${i === current ? attrs['indicator-active-color'] || '#000' : attrs['indicator-color'] || 'rgba(0,0,0,.3)'}"></i>`)
            .join('')}</span>`
        : ''
      return `${open('wx-swiper')}<span class="wx-swiper__track">${shown.join('')}</span>${dots}</wx-swiper>`
    }
    case 'wx-scroll-view':
      return `${open('wx-scroll-view', ` data-scroll-x="${isOn(attrs['scroll-x'])}"`)}${children()}</wx-scroll-view>`
    case 'wx-input': {
      const value = attrs.value === undefined || attrs.value === null ? '' : String(attrs.value)
      const shown = value
        ? escape(isOn(attrs.password) ? '•'.repeat(value.length) : value)
        : `<span class="wx-placeholder">${escape(attrs.placeholder || '')}</span>`
      return `${open('wx-input')}<span class="wx-input__line">${shown}</span></wx-input>`
    }
    case 'wx-textarea': {
      const value = attrs.value ? escape(attrs.value) : `<span class="wx-placeholder">${escape(attrs.placeholder || '')}</span>`
      return `${open('wx-textarea')}${value}</wx-textarea>`
    }
    case 'wx-switch': {
      const on = isOn(attrs.checked)
      const colour = attrs.color || '#04BE02'
      return `${open('wx-switch')}<span class="wx-switch__box${on ? ' is-on' : ''}"${on ? ` style="background:${colour};border-color:${colour}"` : ''}></span></wx-switch>`
    }
    case 'wx-button':
      return `${open('wx-button', ` data-type="${escape(attrs.type || 'default')}" data-size="${escape(attrs.size || 'default')}"`)}${children()}</wx-button>`
    case 'main':
      return `<page${className ? ` class="${escape(className)}"` : ''}>${children()}</page>`
    case 'virtual':
      return `<virtual style="display:contents">${children()}</virtual>`
    default:
      return `${open(tag)}${children()}</${tag}>`
  }
}

/** WeChat's base library look of its built-in components (iOS, style v2). */
function baseCss(viewHeight) {
  return `
html,body{margin:0;padding:0;background:#ddd}
#phone{width:${WIDTH}px;position:relative;overflow:hidden;font-family:-apple-system,"PingFang SC","Noto Sans CJK SC",sans-serif;-webkit-font-smoothing:antialiased}
#status{height:${STATUS_BAR}px;display:flex;justify-content:space-between;align-items:center;padding:0 10px;font-size:12px;font-weight:600}
#nav{height:${NAV_BAR}px;position:relative;display:flex;align-items:center;justify-content:center;font-size:17px;font-weight:600}
#nav .back{position:absolute;left:12px;font-size:28px;font-weight:300}
#nav .title{max-width:180px;overflow:hidden;white-space:nowrap;text-overflow:ellipsis}
#nav .capsule{position:absolute;right:7px;top:6px;width:87px;height:32px;border-radius:16px;box-sizing:border-box;border:.5px solid rgba(0,0,0,.12);background:rgba(255,255,255,.6)}
#nav .capsule:before{content:"•••";position:absolute;left:14px;top:5px;font-size:14px;letter-spacing:1px}
#nav .capsule:after{content:"";position:absolute;right:14px;top:8px;width:14px;height:14px;border-radius:50%;border:2px solid currentColor;box-sizing:border-box}
#view{position:relative;overflow:hidden;transform:translateZ(0)}
#tabs{height:${TAB_BAR}px;display:flex;box-sizing:border-box}
#tabs .tab{flex:1;display:flex;flex-direction:column;align-items:center;justify-content:center;position:relative}
#tabs img{width:24px;height:24px}
#tabs span{font-size:10px;line-height:1.4;margin-top:2px}
#tabs .badge{position:absolute;top:3px;left:50%;margin-left:6px;min-width:16px;height:16px;padding:0 4px;border-radius:8px;box-sizing:border-box;background:#fa5151;color:#fff;font-size:10px;line-height:16px;text-align:center;margin-top:0}
page{display:block;min-height:${viewHeight}px}
wx-view{display:block}
wx-text{display:inline;white-space:pre-line}
wx-image{width:320px;height:240px;display:inline-block;overflow:hidden;position:relative}
.wx-image__picture{position:absolute;inset:0;background-repeat:no-repeat;background-position:center}
wx-swiper{display:block;height:150px;position:relative;overflow:hidden}
.wx-swiper__track{position:absolute;inset:0}
wx-swiper-item{display:block;position:absolute;width:100%;height:100%;overflow:hidden}
.wx-swiper__dots{position:absolute;left:50%;bottom:10px;transform:translateX(-50%);display:flex;gap:8px}
.wx-swiper__dots i{width:8px;height:8px;border-radius:50%}
wx-scroll-view{display:block;width:100%;overflow:hidden;position:relative}
wx-input{display:block;height:1.4rem;min-height:1.4rem;overflow:hidden;white-space:nowrap}
.wx-input__line{display:flex;align-items:center;height:100%}
.wx-placeholder{color:#808080}
wx-textarea{display:block;width:300px;height:150px;font-size:16px;white-space:pre-wrap;word-break:break-all}
wx-picker{display:block}
wx-switch{display:inline-block}
.wx-switch__box{display:inline-block;position:relative;width:52px;height:32px;border:1px solid #dfdfdf;border-radius:16px;background:#dfdfdf;box-sizing:border-box;vertical-align:middle}
.wx-switch__box:after{content:"";position:absolute;top:0;left:0;width:30px;height:30px;border-radius:15px;background:#fff;box-shadow:0 1px 3px rgba(0,0,0,.4)}
.wx-switch__box.is-on:after{left:20px}
wx-button{position:relative;display:block;margin:0 auto;padding:8px 24px;box-sizing:border-box;font-size:17px;text-align:center;line-height:1.41176471;border-radius:4px;overflow:hidden;color:#06ae56;background:#f2f2f2;width:184px;font-weight:700}
wx-button[data-type=primary]{color:#fff;background:#07c160}
wx-button[data-size=mini]{display:inline-block;width:auto;padding:0 .75em;line-height:2.3;font-size:13px}
`
}

function tabBar(route, badges) {
  const bar = app.tabBar
  const tabs = bar.list
    .map((tab) => {
      const on = tab.pagePath === route
      const icon = path.join(SRC, on ? tab.selectedIconPath : tab.iconPath)
      const badge = badges[tab.pagePath] ? `<span class="badge">${escape(badges[tab.pagePath])}</span>` : ''
      return `<div class="tab"><img src="file://${icon}" alt="">${badge}<span style="color:${on ? bar.selectedColor : bar.color}">${escape(tab.text)}</span></div>`
    })
    .join('')
  return `<div id="tabs" style="background:${bar.backgroundColor};border-top:.5px solid rgba(0,0,0,.2)">${tabs}</div>`
}

/** wx.showModal as WeChat draws it. */
function modal({ title = '', content = '', confirmText = '确定', cancelText = '取消', showCancel = true }) {
  const button = (text, colour, bold) =>
    `<div style="flex:1;text-align:center;line-height:56px;font-size:17px;font-weight:${bold ? 600 : 400};color:${colour}">${escape(text)}</div>`
  return `<div style="position:absolute;inset:0;background:rgba(0,0,0,.6);z-index:1000;display:flex;align-items:center;justify-content:center">
<div style="width:320px;border-radius:12px;background:#fff;overflow:hidden;text-align:center">
<div style="padding:32px 24px 16px;font-size:17px;font-weight:700">${escape(title)}</div>
<div style="padding:0 24px 32px;font-size:17px;line-height:1.4;color:rgba(0,0,0,.5)">${escape(content)}</div>
<div style="display:flex;border-top:.5px solid rgba(0,0,0,.1)">${showCancel ? button(cancelText, '#000', false) : ''}${button(confirmText, '#576b95', true)}</div>
</div></div>`
}

/** wx.showToast without an icon. */
function toast(title) {
  return `<div style="position:absolute;inset:0;z-index:1000;display:flex;align-items:center;justify-content:center"><div style="max-width:250px;padding:12px 16px;border-radius:8px;background:rgba(17,17,17,.7);color:#fff;font-size:15px">${escape(title)}</div></div>`
}

/** Every <style> simulate put in the document, app.wxss first. */
function stylesheets(appCss) {
  const seen = new Set()
  const parts = [appCss]
  document.head.querySelectorAll('style').forEach((style) => {
    if (!seen.has(style.innerHTML)) {
      seen.add(style.innerHTML)
      parts.push(style.innerHTML)
    }
  })
  return parts.join('\n')
}

let appCss = null
function appStylesheet() {
  if (appCss === null) {
    const wxss = require('miniprogram-simulate/src/wxss')
    appCss = withPx(wxss.compile(wxss.getContent(path.join(SRC, 'app.wxss')), { prefix: 'main' }))
  }
  return appCss
}

/**
 * The HTML of `page` (a simulate page) at `route`: `full` lets the page grow to its whole length
 * (fixed bars then sit at its end); `overlay` is drawn on top (a modal, a toast).
 */
function pageDocument(page, route, { title = '', full = false, overlay = '', badges = {} } = {}) {
  const pageJson = JSON.parse(fs.readFileSync(path.join(SRC, `${route}.json`), 'utf8'))
  const window = Object.assign({}, app.window, pageJson)
  const isTab = TAB_PAGES.includes(route)
  const viewHeight = HEIGHT - STATUS_BAR - NAV_BAR - (isTab ? TAB_BAR : 0)
  const text = window.navigationBarTextStyle === 'white' ? '#fff' : '#000'
  const fixUnits = (css) =>
    css.replace(/(-?\d*\.?\d+)vh/g, (_, n) => `${(parseFloat(n) * viewHeight) / 100}px`).replace(/env\(safe-area-inset-bottom\)/g, '0px')
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=${WIDTH}">
<style>${baseCss(viewHeight)}</style><style>${fixUnits(stylesheets(appStylesheet()))}</style></head>
<body><div id="phone" style="background:${window.backgroundColor || '#fff'}">
<div style="background:${window.navigationBarBackgroundColor};color:${text}"><div id="status"><span>9:41</span><span>●●●● 5G ▭</span></div>
<div id="nav">${isTab ? '' : '<span class="back">‹</span>'}<span class="title">${escape(title || window.navigationBarTitleText || '')}</span><span class="capsule"></span></div></div>
<div id="view" style="${full ? 'min-height' : 'height'}:${viewHeight}px">${fixUnits(element(page.dom))}</div>
${isTab ? tabBar(route, badges) : ''}${overlay}</div></body></html>`
}

module.exports = { useRealRpx, pageDocument, modal, toast, rpx, WIDTH, HEIGHT, TAB_PAGES, app }
