const { mount, text } = require('../helpers/page')

test('renders fen as ¥yuan.cents', () => {
  const tag = mount('components/price-tag/index', { fen: 1990 })
  expect(text(tag, '.price-tag')).toBe('¥19.90')
  tag.setData({ fen: 5 })
  expect(text(tag, '.price-tag')).toBe('¥0.05')
  tag.setData({ fen: 123400 })
  expect(text(tag, '.price-tag__yuan')).toBe('1234')
  expect(text(tag, '.price-tag__cents')).toBe('.00')
})

test('size and strike become BEM modifiers', () => {
  const tag = mount('components/price-tag/index', { fen: 2990, size: 'sm', strike: true })
  const classes = tag.querySelector('.price-tag').dom.className
  expect(classes).toMatch(/price-tag--sm/)
  expect(classes).toMatch(/price-tag--strike/)
  expect(tag.toJSON()).toMatchSnapshot()
})
