// 商品详情 as native nodes: the API's ordered blocks of text paragraphs and images, drawn with
// <text> and <image mode="widthFix" lazy-load>, never as HTML. Anything else is left out, and
// an answer without blocks (an older server) shows the plain description as one paragraph.
function blocksOf(goods) {
  const blocks = Array.isArray(goods.description_blocks)
    ? goods.description_blocks
    : [{ type: 'text', text: goods.description || '' }]
  return blocks
    .map((block, index) => {
      if (block && block.type === 'text' && typeof block.text === 'string' && block.text.trim()) {
        return { key: `t${index}`, type: 'text', text: block.text }
      }
      if (block && block.type === 'image' && typeof block.url === 'string' && /^https?:\/\//.test(block.url)) {
        return { key: `i${index}`, type: 'image', url: block.url }
      }
      return null
    })
    .filter(Boolean)
}

/** The description's pictures, for wx.previewImage. */
function imageUrls(blocks) {
  return blocks.filter((block) => block.type === 'image').map((block) => block.url)
}

module.exports = { blocksOf, imageUrls }
