// 商品详情 blocks on the goods page: text paragraphs and images in the merchant's order, drawn as
// native nodes (text, image widthFix + lazy-load), never as HTML.
const { openPage, text, texts, tap, all } = require('../helpers/page')
const fixtures = require('../helpers/fixtures')
const description = require('../../src/subpackages/goods/utils/description')

const LOGIN = { token: 't', expires_at: '2099-01-01T00:00:00Z', user: { id: 1, nickname: '', avatar_url: '' } }

function open(goods) {
  wx.setBackend({ 'POST /auth/wx-login': LOGIN, 'GET /goods/7': goods })
  return openPage('subpackages/goods/detail/index', { goodsId: '7' })
}

test('blocks show in order: paragraphs as text, pictures as lazy widthFix images that open the preview', async () => {
  const page = await open(
    fixtures.goodsDetail({
      description: '产地直发\n\n冷藏保存',
      description_blocks: [
        { type: 'text', text: '产地直发' },
        { type: 'image', url: 'https://cdn.test/d1-800.webp', width: 800, height: 600 },
        { type: 'text', text: '<b>冷藏保存</b>' },
        { type: 'image', url: 'https://cdn.test/d2-800.webp', width: 800, height: 1200 },
      ],
    })
  )
  const root = all(page, '.goods-detail__description-body >>> .goods-description')[0].dom
  const kinds = Array.from(root.querySelectorAll('*'))
    .map((node) => (String(node.className).match(/goods-description__(text|image)\b/) || [])[1])
    .filter(Boolean)
  expect(kinds).toEqual(['text', 'image', 'text', 'image'])
  // Markup is text to show, not HTML to run.
  expect(texts(page, '.goods-detail__description-body >>> .goods-description__text')).toEqual(['产地直发', '<b>冷藏保存</b>'])
  expect(all(page, '.goods-detail__description-body >>> .goods-description b')).toHaveLength(0)
  const attrs = all(page, '.goods-detail__description-body >>> .goods-description__image').map((node) => {
    const found = {}
    for (const attr of node.dom.__wxElement._vt.attrs) found[attr.name] = attr.value
    return found
  })
  expect(attrs.map((found) => [found.src, found.mode, found.lazyLoad === true || found.lazyLoad === ''])).toEqual([
    ['https://cdn.test/d1-800.webp', 'widthFix', true],
    ['https://cdn.test/d2-800.webp', 'widthFix', true],
  ])
  const preview = jest.spyOn(wx, 'previewImage')
  await tap(page, '.goods-detail__description-body >>> .goods-description__image', 1)
  expect(preview).toHaveBeenCalledWith({ urls: ['https://cdn.test/d1-800.webp', 'https://cdn.test/d2-800.webp'], current: 'https://cdn.test/d2-800.webp' })
  page.instance.onUnload()
})

test('an older answer without blocks shows the plain description; an empty one says so', async () => {
  const plain = await open(fixtures.goodsDetail({ description: '老顾客都说甜' }))
  expect(texts(plain, '.goods-detail__description-body >>> .goods-description__text')).toEqual(['老顾客都说甜'])
  plain.instance.onUnload()
  const empty = await open(fixtures.goodsDetail({ description: '', description_blocks: [] }))
  expect(all(empty, '.goods-detail__description-body >>> .goods-description__text')).toHaveLength(0)
  expect(text(empty, '.goods-detail__description-body >>> .goods-description__empty')).toBe('商家还没有填写详情')
  empty.instance.onUnload()
})

test('blocks of an unknown kind, empty text or a picture that is not a web address are left out', () => {
  const blocks = description.blocksOf({
    description_blocks: [
      { type: 'html', html: '<script>' },
      { type: 'text', text: '  ' },
      { type: 'image', url: 'javascript:alert(1)' },
      { type: 'image', url: 'https://cdn.test/ok.webp' },
      null,
      { type: 'text', text: '好' },
    ],
  })
  expect(blocks).toEqual([
    { key: 'i3', type: 'image', url: 'https://cdn.test/ok.webp' },
    { key: 't5', type: 'text', text: '好' },
  ])
  expect(description.imageUrls(blocks)).toEqual(['https://cdn.test/ok.webp'])
})
