const { mount, text, tap, all, settle } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')

test('quantity-stepper emits change within bounds and overlimit past them', async () => {
  const stepper = mount('components/quantity-stepper/index', { value: 2, min: 1, max: 3 })
  const changes = []
  const limits = []
  stepper.addEventListener('change', (event) => changes.push(event.detail.value))
  stepper.addEventListener('overlimit', (event) => limits.push(event.detail.type))
  await tap(stepper, '.quantity-stepper__plus')
  await tap(stepper, '.quantity-stepper__minus')
  expect(changes).toEqual([3, 1])
  stepper.setData({ value: 3 })
  await tap(stepper, '.quantity-stepper__plus')
  stepper.setData({ value: 1 })
  await tap(stepper, '.quantity-stepper__minus')
  expect(limits).toEqual(['max', 'min'])
  expect(stepper.querySelector('.quantity-stepper__minus').dom.className).toMatch(/--disabled/)
  expect(text(stepper, '.quantity-stepper__value')).toBe('1')
})

test('star-rating lights the stars up to the value and reports taps unless read-only', async () => {
  const stars = mount('components/star-rating/index', { value: 3, showLabel: true })
  await settle()
  expect(all(stars, '.star-rating__star--on')).toHaveLength(3)
  expect(text(stars, '.star-rating__label')).toBe('一般')
  const picked = []
  stars.addEventListener('change', (event) => picked.push(event.detail.value))
  await tap(stars, '.star-rating__star', 4)
  expect(picked).toEqual([5])

  const average = mount('components/star-rating/index', { value: 4.5, readonly: true })
  await settle()
  expect(all(average, '.star-rating__star--on')).toHaveLength(5)
  average.addEventListener('change', () => picked.push('tapped'))
  await tap(average, '.star-rating__star', 0)
  expect(picked).toEqual([5])
})

test('empty-state shows its text and emits action from its button', async () => {
  const empty = mount('components/empty-state/index', { text: '购物车还是空的', actionText: '去逛逛' })
  let acted = 0
  empty.addEventListener('action', () => (acted += 1))
  expect(text(empty, '.empty-state__text')).toBe('购物车还是空的')
  await tap(empty, '.empty-state__action')
  expect(acted).toBe(1)
})

test('load-more says what is happening and offers a retry after an error', async () => {
  const footer = mount('components/load-more/index', { status: 'idle' })
  expect(all(footer, '.load-more')).toHaveLength(0)
  footer.setData({ status: 'done' })
  expect(text(footer, '.load-more')).toBe('没有更多了')
  footer.setData({ status: 'error' })
  let retries = 0
  footer.addEventListener('retry', () => (retries += 1))
  await tap(footer, '.load-more')
  expect(retries).toBe(1)
})

test('address-card shows receiver, phone, region and a default tag, or the placeholder', () => {
  const card = mount('components/address-card/index', { address: fixtures.address(), arrow: true })
  expect(text(card, '.address-card__name')).toBe('张三')
  expect(text(card, '.address-card__phone')).toBe('13800138000')
  expect(text(card, '.address-card__detail')).toBe('广东省深圳市南山区 科技园一路 1 号')
  expect(text(card, '.address-card__default')).toBe('默认')
  const empty = mount('components/address-card/index', { placeholder: '+ 添加收货地址' })
  expect(text(empty, '.address-card__placeholder')).toBe('+ 添加收货地址')
})
