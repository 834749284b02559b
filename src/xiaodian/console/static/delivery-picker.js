/* 配送设置's offline store picker: drag the 店 marker (or click the plot) on the SVG zone plot
   and the latitude / longitude fields follow; the zone circle moves with it. No map tiles: the
   SVG carries its projection (data-lat, data-lng, data-px-per-m around the saved point). */
(function () {
  'use strict'

  const EARTH_RADIUS_M = 6371008.8

  function pointAt(svg, x, y) {
    const lat0 = Number(svg.dataset.lat)
    const lng0 = Number(svg.dataset.lng)
    const scale = Number(svg.dataset.pxPerM)
    const centre = Number(svg.dataset.size) / 2
    const east = (x - centre) / scale
    const north = (centre - y) / scale
    const lat = lat0 + (north / EARTH_RADIUS_M) * (180 / Math.PI)
    const lng = lng0 + (east / (EARTH_RADIUS_M * Math.cos((lat0 * Math.PI) / 180))) * (180 / Math.PI)
    return { lat, lng }
  }

  function toSvg(svg, event) {
    const box = svg.getBoundingClientRect()
    const size = Number(svg.dataset.size)
    return {
      x: ((event.clientX - box.left) / box.width) * size,
      y: ((event.clientY - box.top) / box.height) * size,
    }
  }

  function place(svg, x, y) {
    const centre = Number(svg.dataset.size) / 2
    const shift = `translate(${(x - centre).toFixed(1)} ${(y - centre).toFixed(1)})`
    svg.querySelector('[data-store-marker]').setAttribute('transform', shift)
    svg.querySelector('[data-picker-zone]').setAttribute('transform', shift)
    const found = pointAt(svg, x, y)
    const fields = { store_lat: found.lat.toFixed(6), store_lng: found.lng.toFixed(6) }
    Object.entries(fields).forEach(([name, value]) => {
      const input = document.querySelector(`[name="${name}"]`)
      if (input) {
        input.value = value
        input.dispatchEvent(new Event('input', { bubbles: true }))
      }
    })
    const note = document.querySelector('[data-picker-note]')
    if (note) note.textContent = `门店位置已调整为 ${fields.store_lat}, ${fields.store_lng}，保存后生效`
  }

  function wire(svg) {
    let dragging = false
    const marker = svg.querySelector('[data-store-marker]')
    marker.addEventListener('pointerdown', (event) => {
      dragging = true
      svg.setPointerCapture(event.pointerId)
      event.preventDefault()
    })
    svg.addEventListener('pointermove', (event) => {
      if (!dragging) return
      const at = toSvg(svg, event)
      place(svg, at.x, at.y)
    })
    svg.addEventListener('pointerup', (event) => {
      const at = toSvg(svg, event)
      if (dragging || !event.target.closest('[data-store-marker]')) place(svg, at.x, at.y)
      dragging = false
    })
  }

  document.addEventListener('DOMContentLoaded', () => {
    document.querySelectorAll('svg[data-map-picker]').forEach(wire)
  })
})()
