// Plain factories for API payloads (shapes from the backend contract), with keyword defaults.
let nextId = 100

function goodsCard(overrides = {}) {
  nextId += 1
  return Object.assign(
    {
      id: nextId,
      title: `测试商品${nextId}`,
      subtitle: '新鲜到货',
      cover_url: `https://cdn.test/goods/${nextId}.webp`,
      price_fen: 1990,
      market_price_fen: 2990,
      sales: 12,
      stock_left: 50,
      unit: '件',
      category_id: 1,
    },
    overrides
  )
}

function home(overrides = {}) {
  return Object.assign(
    {
      shop: { name: '小店演示', logo_url: 'https://cdn.test/logo.png', notice: '满 99 元包邮', service_phone: '400-000-0000', free_freight_threshold_fen: 9900 },
      banners: [
        { id: 1, title: '春季上新', image_url: 'https://cdn.test/b1.webp', link_type: 'goods', link_value: '7' },
        { id: 2, title: '水果', image_url: 'https://cdn.test/b2.webp', link_type: 'category', link_value: '3' },
      ],
      categories: [
        { id: 3, name: '水果', icon_url: 'https://cdn.test/c3.png' },
        { id: 4, name: '蔬菜', icon_url: 'https://cdn.test/c4.png' },
      ],
      hot: [goodsCard({ title: '爆款苹果', sales: 12345 }), goodsCard({ title: '香蕉' })],
      new: [goodsCard({ title: '新品草莓', stock_left: 3 })],
      promotions: { flash_sales: [], group_buys: [] },
    },
    overrides
  )
}

function goodsDetail(overrides = {}) {
  return Object.assign(
    {
      id: 7,
      title: '红富士苹果',
      subtitle: '脆甜多汁',
      unit: '箱',
      description: '产地直发\n坏果包赔',
      category_id: 3,
      images: ['https://cdn.test/g7-1.webp', 'https://cdn.test/g7-2.webp'],
      cover_url: 'https://cdn.test/g7-1.webp',
      price_fen: 3990,
      market_price_fen: 4990,
      sales: 321,
      stock_left: 8,
      is_on_shelf: true,
      specs: [
        { name: '规格', values: ['5斤装', '10斤装'] },
        { name: '果径', values: ['75mm', '85mm'] },
      ],
      skus: [
        { id: 71, spec_values: ['5斤装', '75mm'], price_fen: 3990, stock: 5, image_url: '' },
        { id: 72, spec_values: ['5斤装', '85mm'], price_fen: 4590, stock: 0, image_url: '' },
        { id: 73, spec_values: ['10斤装', '75mm'], price_fen: 6990, stock: 3, image_url: '' },
        { id: 74, spec_values: ['10斤装', '85mm'], price_fen: 7990, stock: 0, image_url: '' },
      ],
      review_summary: { count: 2, average_score: 4.5 },
      recent_reviews: [review({ content: '很甜，孩子爱吃' })],
      is_favorite: false,
    },
    overrides
  )
}

function review(overrides = {}) {
  nextId += 1
  return Object.assign(
    {
      id: nextId,
      user: { nickname: '小王', avatar_url: 'https://cdn.test/a.png' },
      score: 5,
      content: '不错',
      images: [],
      spec_text: '5斤装 / 75mm',
      reply: '',
      created_at: '2024-05-01T04:05:00Z',
    },
    overrides
  )
}

function cartLine(overrides = {}) {
  nextId += 1
  const line = Object.assign(
    {
      id: nextId,
      sku_id: 71,
      goods_id: 7,
      title: '红富士苹果',
      spec_text: '5斤装 / 75mm',
      image_url: 'https://cdn.test/g7-1.webp',
      price_fen: 3990,
      quantity: 1,
      selected: true,
      stock: 5,
      is_available: true,
      stock_short: false,
    },
    overrides
  )
  line.line_total_fen = line.price_fen * line.quantity
  return line
}

function cart(items = [cartLine()]) {
  const chosen = items.filter((item) => item.selected && item.is_available)
  return {
    items,
    selected_quantity: chosen.reduce((sum, item) => sum + item.quantity, 0),
    selected_total_fen: chosen.reduce((sum, item) => sum + item.line_total_fen, 0),
    all_selected: items.filter((item) => item.is_available).every((item) => item.selected),
  }
}

function address(overrides = {}) {
  return Object.assign(
    {
      id: 1,
      name: '张三',
      phone: '13800138000',
      province: '广东省',
      city: '深圳市',
      district: '南山区',
      detail: '科技园一路 1 号',
      lat: 22.54,
      lng: 113.95,
      is_default: true,
    },
    overrides
  )
}

function orderLine(overrides = {}) {
  nextId += 1
  return Object.assign(
    {
      id: nextId,
      goods_id: 7,
      sku_id: 71,
      title: '红富士苹果',
      spec_text: '5斤装 / 75mm',
      image_url: 'https://cdn.test/g7-1.webp',
      unit_price_fen: 3990,
      quantity: 1,
      goods_total_fen: 3990,
      discount_fen: 0,
      pay_fen: 3990,
      is_reviewed: false,
    },
    overrides
  )
}

const STATUS_TEXT = {
  pending_payment: '待支付',
  paid: '待发货',
  shipped: '待收货',
  completed: '已完成',
  closed: '已关闭',
  refund_requested: '退款申请中',
  refunding: '退款中',
  refunded: '已退款',
}

function order(overrides = {}) {
  const status = overrides.status || 'pending_payment'
  return Object.assign(
    {
      id: 501,
      order_no: 'XD202405010001',
      status,
      status_text: STATUS_TEXT[status],
      goods_total_fen: 3990,
      freight_fen: 800,
      discount_fen: 0,
      total_fen: 4790,
      item_count: 1,
      note: '',
      address: { name: '张三', phone: '13800138000', province: '广东省', city: '深圳市', district: '南山区', detail: '科技园一路 1 号' },
      lines: [orderLine()],
      timeline: [{ status: 'pending_payment', status_text: '待支付', note: '订单已提交', created_at: '2024-05-01T04:05:00Z' }],
      created_at: '2024-05-01T04:05:00Z',
      expires_at: '2099-05-01T04:35:00Z',
      paid_at: null,
      shipped_at: null,
      completed_at: null,
      closed_at: null,
      close_reason: null,
      carrier: null,
      tracking_no: null,
      can_cancel: status === 'pending_payment',
      can_pay: status === 'pending_payment',
      can_confirm: status === 'shipped',
      can_review: status === 'completed',
      can_refund: ['paid', 'shipped', 'completed'].includes(status),
    },
    overrides
  )
}

function preview(overrides = {}) {
  return Object.assign(
    {
      lines: [
        { sku_id: 71, goods_id: 7, title: '红富士苹果', spec_text: '5斤装 / 75mm', image_url: '', unit_price_fen: 3990, quantity: 2, goods_total_fen: 7980 },
      ],
      goods_total_fen: 7980,
      freight_fen: 800,
      discount_fen: 0,
      total_fen: 8780,
      item_count: 2,
      free_freight_threshold_fen: 9900,
      address: address(),
      promotion_discount_fen: 0,
      coupon_discount_fen: 0,
      coupon_id: null,
      coupons: [],
    },
    overrides
  )
}

function page(items, { total = items.length, pageNumber = 1, pageSize = 20 } = {}) {
  return { items, total, page: pageNumber, page_size: pageSize }
}

module.exports = { goodsCard, home, goodsDetail, review, cartLine, cart, address, orderLine, order, preview, page }
