// Infinite scroll for a page component: keeps `items`, `loadStatus` (idle | loading | done |
// error) and `loaded` in the component's data, and drops answers to superseded requests.
const config = require('../config')

class Pager {
  /** fetchPage(page, pageSize) → Promise<{items, total}>; map turns an API item into view data. */
  constructor(component, fetchPage, { pageSize = config.pageSize, map = (item) => item } = {}) {
    this.component = component
    this.fetchPage = fetchPage
    this.pageSize = pageSize
    this.map = map
    this.page = 0
    this.generation = 0
  }

  /** Start again from page 1 (new filters, pull-down refresh). */
  reset() {
    this.generation += 1
    this.page = 0
    this.component.setData({ items: [], loadStatus: 'idle', loaded: false, total: 0 })
    return this.more()
  }

  async more() {
    const status = this.component.data.loadStatus
    if (status === 'loading' || status === 'done') return
    const generation = this.generation
    this.component.setData({ loadStatus: 'loading' })
    try {
      const result = await this.fetchPage(this.page + 1, this.pageSize)
      if (generation !== this.generation) return
      const fresh = (result.items || []).map(this.map)
      const items = this.component.data.items.concat(fresh)
      this.page += 1
      const finished = items.length >= result.total || fresh.length < this.pageSize
      this.component.setData({ items, total: result.total, loaded: true, loadStatus: finished ? 'done' : 'idle' })
    } catch (err) {
      if (generation === this.generation) this.component.setData({ loadStatus: 'error', loaded: true })
    }
  }

  /** Replace or drop one loaded item without reloading (after an action on it). */
  replace(match, next) {
    const items = this.component.data.items
      .map((item) => (match(item) ? next && this.map(next) : item))
      .filter(Boolean)
    this.component.setData({ items })
  }
}

module.exports = { Pager }
