// Loaded before every test file: a fresh fake `wx` per test (tests may replace it).
const { createWx } = require('./wx')

beforeEach(() => {
  global.wx = createWx()
  require('../../src/utils/feedback').reset()
  require('../../src/utils/live').reset()
  require('../../src/utils/privacy').reset()
})
