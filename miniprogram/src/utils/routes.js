// Every page address in one place. A new feature adds its subpackage here
// (e.g. ACTIVITY = '/subpackages/activity') without touching the pages that link to it.
const GOODS = '/subpackages/goods'
const ORDER = '/subpackages/order'
const USER = '/subpackages/user'
const COUPON = '/subpackages/coupon'
const FLASH = '/subpackages/flash'
const GROUPBUY = '/subpackages/groupbuy'

const TABS = {
  home: '/pages/home/index',
  category: '/pages/category/index',
  cart: '/pages/cart/index',
  me: '/pages/me/index',
}

function withQuery(path, query) {
  const parts = Object.keys(query || {})
    .filter((key) => query[key] !== undefined && query[key] !== null && query[key] !== '')
    .map((key) => `${key}=${encodeURIComponent(query[key])}`)
  return parts.length ? `${path}?${parts.join('&')}` : path
}

module.exports = {
  TABS,
  withQuery,
  isTab: (url) => Object.keys(TABS).some((name) => TABS[name] === url.split('?')[0]),
  goodsList: (query) => withQuery(`${GOODS}/list/index`, query),
  goodsSearch: (query) => withQuery(`${GOODS}/search/index`, query),
  goodsDetail: (goodsId, query) => withQuery(`${GOODS}/detail/index`, Object.assign({ goodsId }, query)),
  goodsReviews: (goodsId) => withQuery(`${GOODS}/reviews/index`, { goodsId }),
  checkout: (query) => withQuery(`${ORDER}/checkout/index`, query),
  orderList: (status) => withQuery(`${ORDER}/list/index`, { status }),
  orderDetail: (orderId, query) => withQuery(`${ORDER}/detail/index`, Object.assign({ orderId }, query)),
  payResult: (orderId, query) => withQuery(`${ORDER}/pay-result/index`, Object.assign({ orderId }, query)),
  orderRefund: (orderId) => withQuery(`${ORDER}/refund/index`, { orderId }),
  orderAfterSale: (orderId) => withQuery(`${ORDER}/after-sale/index`, { orderId }),
  orderReview: (orderId) => withQuery(`${ORDER}/review/index`, { orderId }),
  addresses: (query) => withQuery(`${USER}/addresses/index`, query),
  addressEdit: (addressId) => withQuery(`${USER}/address-edit/index`, { addressId }),
  favorites: () => `${USER}/favorites/index`,
  footprints: () => `${USER}/footprints/index`,
  profile: () => `${USER}/profile/index`,
  couponCenter: () => `${COUPON}/center/index`,
  myCoupons: (status) => withQuery(`${COUPON}/mine/index`, { status }),
  flashSales: (tab) => withQuery(`${FLASH}/index/index`, { tab }),
  groupBuyList: () => `${GROUPBUY}/list/index`,
  group: (groupId) => withQuery(`${GROUPBUY}/group/index`, { id: groupId }),
}
