// One table from error codes to what the shopper reads. The backend sends
// {"error": code, "message": ...}; the UPPER_CASE codes are ours. Every code the server can
// send is here and nothing else (tests/test_error_codes.py compares this table with the
// server's list, docs/errors.md): a new server code gets its line here.
const MESSAGES = {
  // Ours: the call never got an answer.
  NETWORK: '网络异常，请检查网络后重试',
  TIMEOUT: '网络超时，请检查网络后重试',
  LOGIN_FAILED: '微信登录失败，请稍后重试',
  UNKNOWN: '操作失败，请稍后重试',
  SERVER_ERROR: '服务器开小差了，请稍后重试', // a 5xx without our body (a proxy's page)
  // Everywhere.
  bad_request: '请求有误，请刷新后重试',
  validation_error: '填写的信息有误，请检查后重试',
  unauthorized: '登录已失效，请重新打开小程序',
  forbidden: '没有权限进行此操作',
  not_found: '内容不存在或已删除',
  conflict: '数据已变化，请刷新后重试',
  rate_limited: '操作太频繁，请稍后再试',
  limit_exceeded: '超出数量限制',
  busy: '系统繁忙，请稍后重试',
  internal_error: '服务器开小差了，请稍后重试',
  service_unavailable: '服务暂时不可用，请稍后重试',
  upstream_unavailable: '服务暂时不可用，请稍后重试',
  method_not_allowed: '操作失败，请更新小程序后重试',
  unsupported_media_type: '操作失败，请更新小程序后重试',
  payload_too_large: '内容太大，请删减后重试',
  http_error: '操作失败，请稍后重试',
  // Login.
  invalid_login_code: '登录已过期，请重新打开小程序',
  login_blocked: '该微信账号暂时无法登录',
  login_rate_limited: '登录太频繁，请稍后再试',
  wechat_busy: '微信服务繁忙，请稍后重试',
  wechat_error: '微信登录失败，请稍后重试',
  // Goods and cart.
  goods_not_found: '商品不存在或已下架',
  sku_not_found: '该规格已不存在，请重新选择',
  sku_in_stock: '该规格有货，可以直接购买',
  goods_off_shelf: '商品已下架',
  out_of_stock: '库存不足',
  // Coupons and 满减.
  coupon_not_found: '优惠券不存在',
  coupon_sold_out: '优惠券已被领完',
  coupon_limit_reached: '已达到领取上限',
  coupon_not_usable: '优惠券不可用',
  coupon_expired: '优惠券已过期',
  coupon_not_started: '优惠券未到使用时间',
  coupon_not_claimable: '该优惠券暂不可领取',
  coupon_code_invalid: '兑换码无效或已被使用',
  coupon_total_below_claimed: '发放总量不能少于已领取数量',
  promotion_not_found: '满减活动不存在',
  promotion_window_invalid: '开始时间必须早于结束时间',
  quota_exhausted: '活动库存不足',
  flash_session_not_found: '秒杀活动不存在',
  flash_item_not_found: '秒杀商品不存在',
  flash_not_started: '活动未开始',
  flash_ended: '活动已结束',
  flash_sold_out: '已抢光',
  flash_limit_reached: '已达限购',
  invalid_flash_session: '秒杀活动设置有误',
  flash_already_started: '秒杀已开始，无需提醒，快去抢购吧',
  category_not_found: '分类不存在或已删除',
  quantity_limit: '单件商品最多购买 999 件',
  cart_full: '购物车已满，请先结算或删除一些商品',
  cart_item_not_found: '购物车商品已不存在，请刷新',
  // Addresses and orders.
  address_not_found: '收货地址不存在，请重新选择',
  address_required: '请选择收货地址',
  too_many_addresses: '收货地址最多 20 个，请先删除不用的地址',
  empty_checkout: '请先选择要结算的商品',
  order_not_found: '订单不存在',
  order_not_pending: '订单状态已变化，请刷新',
  order_state_conflict: '订单状态已变化，请刷新',
  too_many_unpaid_orders: '待支付的订单太多，请先支付或取消后再下单',
  idempotency_key_reused: '订单信息已变化，请重新提交',
  invalid_idempotency_key: '提交失败，请重新进入结算页',
  // Payment and after-sale.
  payment_failed: '支付失败，请稍后重试',
  payment_unavailable: '支付暂时不可用，请检查网络后重试',
  payment_channel_unavailable: '商家暂未开通微信支付',
  refund_not_allowed: '该订单当前不能申请退款',
  refund_state_conflict: '退款申请已处理，请刷新后查看',
  refund_not_found: '退款申请不存在',
  not_reviewable: '订单完成后才能评价',
  already_reviewed: '已经评价过了',
  review_not_found: '评价不存在或已删除',
  // WeChat platform: content security, share codes, shipping uploads.
  content_risky: '内容含有违规信息，请修改后再提交',
  nickname_unchecked: '昵称暂时无法通过审核，请稍后再试或换一个',
  share_code_unavailable: '小程序码暂时无法生成，请稍后再试',
  share_target_not_found: '要分享的内容不存在',
  share_target_closed: '拼团已结束，不能再邀请好友',
  wechat_shipping_not_found: '这笔订单没有发货信息上传记录',
  // Group buying (拼团).
  group_buy_not_found: '拼团活动不存在',
  group_not_found: '拼团不存在或已结束',
  group_full: '这个团已经满员了，去开一个新团吧',
  group_expired: '这个团已经结束了',
  group_already_joined: '你已经在这个团里了',
  group_limit_reached: '你参与这个拼团活动的次数已达上限',
  campaign_not_running: '拼团活动未开始或已结束',
  // Pictures (reviews, avatar).
  image_too_large: '图片不能超过 10 MB',
  invalid_image: '请上传 JPG、PNG、WebP 或 GIF 图片',
  foreign_image_url: '图片无效，请重新上传',
  // Merchant only (the console and the merchant API): the mini program never receives these;
  // they are listed so that this table is the whole contract.
  account_locked: '登录失败次数过多，请稍后再试',
  admin_not_found: '账号不存在',
  banner_not_found: '轮播图不存在',
  category_not_empty: '分类下还有子分类或商品，不能删除',
  csrf_failed: '页面已过期，请刷新后重试',
  invalid_category: '分类设置有误',
  market_price_too_low: '划线价须为 0（不显示）或不低于最高售价',
  sku_market_price_too_low: '规格的划线价须为 0（不显示）或不低于该规格的售价',
  invalid_description_block: '商品详情内容有误',
  too_many_description_blocks: '商品详情最多 50 段',
  invalid_credential: '支付参数格式不正确',
  invalid_credentials: '用户名或密码错误',
  invalid_group_buy: '拼团活动设置有误',
  last_owner: '至少要保留一个可用的店主账号',
  login_required: '请先登录商家后台',
  owner_only: '只有店主可以进行此操作',
  ship_import_invalid: '导入文件有错误的行，没有发货任何订单',
  goods_import_invalid: '导入文件有错误的行，没有导入任何商品',
  banner_order_invalid: '轮播图顺序有误',
  no_permission: '你的角色没有此操作的权限',
  password_changed: '密码已被修改，请重新登录',
  stock_negative: '库存不能小于 0',
  username_taken: '用户名已被使用',
  // Merchant systems (API keys, bulk stock): merchant API only.
  scope_missing: 'API 密钥没有这项权限',
  api_key_not_found: 'API 密钥不存在',
  stock_lines_invalid: '库存明细有误，未做任何修改',
  stock_lines_negative: '部分 SKU 库存不够扣减，未做任何修改',
  stock_request_reused: '同一个 Idempotency-Key 不能用于不同的库存请求',
  stock_request_key_invalid: 'Idempotency-Key 应为 1–64 个可见 ASCII 字符',
  webhook_not_found: '没有这个推送地址',
  // Community delivery.
  address_out_of_zone: '您的地址不在配送范围内，可选择到店自提或快递',
  address_not_located: '无法确定该地址的位置，请在地图上选择收货地址',
  slot_full: '该配送时段已约满，请选择其他时段',
  slot_unavailable: '该配送时段已截单，请选择其他时段',
  slot_required: '请选择配送时段',
  delivery_method_unavailable: '店铺暂不支持该配送方式',
  store_not_located: '店铺暂不能配送',
  geocoding_failed: '地图服务暂时不可用，请在地图上选择位置',
  delivery_batch_not_found: '配送批次不存在',
  nothing_to_deliver: '该时段没有待配送的订单',
  riders_over_capacity: '骑手运力不足，请增加骑手人数',
  rider_link_invalid: '配送链接无效或已过期',
  stop_not_in_route: '该订单不在这条配送路线上',
  pickup_code_not_found: '没有这个自提码，请核对后重新输入',
  pickup_already_done: '该自提码已核销，订单已完成',
  pickup_not_ready: '该订单当前不能核销',
}

const FALLBACK = '操作失败，请稍后重试'

/** What to show for `code`: the table first, then the server's own message, then a fallback. */
function messageFor(code, serverMessage) {
  return MESSAGES[code] || serverMessage || FALLBACK
}

class ApiError extends Error {
  constructor({ code, message, httpStatus = 0, details = null }) {
    super(message || messageFor(code))
    this.name = 'ApiError'
    this.code = code
    this.httpStatus = httpStatus
    this.details = details
  }
}

module.exports = { MESSAGES, FALLBACK, messageFor, ApiError }
