// 搜索: the shopper's history (on the phone), the shop's hot keywords, suggestions while
// typing (debounced); a search opens the goods list with the keyword, where sort and filter are.
const searchService = require('../../../services/search')
const history = require('../../../utils/search-history')
const feedback = require('../../../utils/feedback')
const nav = require('../../../utils/nav')
const routes = require('../../../utils/routes')

const SUGGEST_DELAY_MS = 300

Component({
  properties: {
    q: { type: String, value: '' },
  },
  data: {
    keyword: '',
    history: [],
    hot: [],
    suggestions: [],
  },
  methods: {
    onLoad() {
      this.setData({ keyword: this.data.q, history: history.list() })
      return searchService
        .hotKeywords()
        .then((answer) => this.setData({ hot: answer.keywords || [] }))
        .catch(() => this.setData({ hot: [] }))
    },
    onShow() {
      this.setData({ history: history.list() })
    },
    onUnload() {
      clearTimeout(this.suggestTimer)
    },
    onKeywordInput(event) {
      const keyword = event.detail.value
      this.setData({ keyword })
      clearTimeout(this.suggestTimer)
      const typed = keyword.trim()
      if (!typed) {
        this.setData({ suggestions: [] })
        return
      }
      this.suggestTimer = setTimeout(() => this.suggest(typed), SUGGEST_DELAY_MS)
    },
    suggest(typed) {
      this.suggesting = typed
      return searchService
        .suggestions(typed.slice(0, 20))
        .then((answer) => {
          // An answer to an older keyword must not replace the newer one's.
          if (this.suggesting === typed && this.data.keyword.trim() === typed) {
            this.setData({ suggestions: answer.keywords || [] })
          }
        })
        .catch(() => this.setData({ suggestions: [] }))
    },
    onClearKeyword() {
      clearTimeout(this.suggestTimer)
      this.setData({ keyword: '', suggestions: [] })
    },
    onSearch(event) {
      const typed = event && event.detail && typeof event.detail.value === 'string' ? event.detail.value : this.data.keyword
      this.search(typed)
    },
    onWordTap(event) {
      this.search(event.currentTarget.dataset.word)
    },
    search(keyword) {
      const word = (keyword || '').trim()
      if (!word) {
        feedback.toast('请输入搜索内容')
        return
      }
      clearTimeout(this.suggestTimer)
      this.setData({ keyword: word, suggestions: [], history: history.add(word) })
      nav.go(routes.goodsList({ q: word }))
    },
    onClearHistory() {
      wx.showModal({
        title: '清空搜索历史？',
        success: (answer) => {
          if (answer.confirm) this.setData({ history: history.clear() })
        },
      })
    },
    onCancel() {
      nav.back()
    },
  },
})
