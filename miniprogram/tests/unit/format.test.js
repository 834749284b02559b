const fs = require('fs')
const path = require('path')
const format = require('../../src/utils/format')

function loadWxs() {
  const source = fs.readFileSync(path.join(__dirname, '../../src/utils/format.wxs'), 'utf8')
  const module = { exports: {} }
  // WXS is an ES5 subset; the same text runs as plain JavaScript.
  new Function('module', source)(module)
  return module.exports
}

const PRICES = [0, 1, 5, 9, 10, 99, 100, 101, 199, 1990, 1999, 100000, 123456789, -1, -5, -100, -1990, 2 ** 40 + 7]
const COUNTS = [0, 1, 9, 9999, 10000, 10999, 12345, 20000, 99999, 1234567]

test('formatPrice turns integer fen into yuan with two decimals', () => {
  expect(format.formatPrice(1990)).toBe('19.90')
  expect(format.formatPrice(5)).toBe('0.05')
  expect(format.formatPrice(0)).toBe('0.00')
  expect(format.formatPrice(100000)).toBe('1000.00')
  expect(format.formatPrice(-1990)).toBe('-19.90')
  expect(format.formatPrice(2 ** 40 + 7)).toBe('10995116277.83')
})

test('formatPrice shows a dash for a missing price instead of a wrong number', () => {
  expect(format.formatPrice(null)).toBe('--')
  expect(format.formatPrice(undefined)).toBe('--')
  expect(format.formatPrice(NaN)).toBe('--')
})

test('format.wxs agrees with format.js for prices and counts', () => {
  const wxs = loadWxs()
  for (const fen of PRICES.concat([null, undefined, NaN])) {
    expect(wxs.formatPrice(fen)).toBe(format.formatPrice(fen))
    if (typeof fen === 'number' && fen === fen) {
      expect(wxs.yuanPart(fen) + wxs.centsPart(fen)).toBe(format.formatPrice(fen))
    }
  }
  for (const count of COUNTS) expect(wxs.formatCount(count)).toBe(format.formatCount(count))
})

test('formatCount shortens large counts to 万 with one decimal', () => {
  expect(format.formatCount(9999)).toBe('9999')
  expect(format.formatCount(12345)).toBe('1.2万')
  expect(format.formatCount(20000)).toBe('2万')
})

test('formatTime shows UTC times in the shop time zone and accepts microseconds and offsets', () => {
  expect(format.formatTime('2024-05-01T04:05:00Z')).toBe('2024-05-01 12:05')
  expect(format.formatTime('2024-05-01T20:05:00.123456+00:00')).toBe('2024-05-02 04:05')
  expect(format.formatTime('2024-05-01T12:05:00+08:00')).toBe('2024-05-01 12:05')
  expect(format.formatTime('2024-05-01T04:05:00')).toBe('2024-05-01 12:05')
  expect(format.formatTime(null)).toBe('')
  expect(format.formatDate('2024-12-31T16:30:00Z')).toBe('2025-01-01')
})

test('formatCountdown counts down in minutes and seconds, with hours when needed', () => {
  expect(format.formatCountdown(125000)).toBe('02:05')
  expect(format.formatCountdown(3725000)).toBe('1:02:05')
  expect(format.formatCountdown(-5)).toBe('00:00')
})

test('yuanToFen reads a yuan amount with at most two decimals exactly', () => {
  expect(format.yuanToFen('12')).toBe(1200)
  expect(format.yuanToFen('12.5')).toBe(1250)
  expect(format.yuanToFen('0.05')).toBe(5)
  expect(format.yuanToFen(' 19.90 ')).toBe(1990)
  expect(format.yuanToFen('1.234')).toBeNull()
  expect(format.yuanToFen('abc')).toBeNull()
  expect(format.yuanToFen('')).toBeNull()
})
