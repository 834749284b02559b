// The coupon cards on home and goods detail: claimable coupons (those for one goods item on
// its detail page), claimed in place. A page calls load(page, goodsId) and claim(page, id);
// the cards live in the page's `couponCards`.
const couponsService = require('../services/coupons')
const feedback = require('./feedback')
const { card } = require('./coupons')

const SHOWN = 3

function view(coupon) {
  const full = coupon.claimed_by_me >= coupon.per_user_limit
  const soldOut = coupon.left <= 0
  return card(coupon, { actionText: full ? '已领取' : soldOut ? '已抢光' : '领取', disabled: full || soldOut })
}

async function load(page, goodsId) {
  try {
    const coupons = await couponsService.listClaimable(goodsId, { silent: true })
    page.claimable = coupons.slice(0, SHOWN)
    page.setData({ couponCards: page.claimable.map(view) })
  } catch (err) {
    page.setData({ couponCards: [] }) // the page works without them
  }
}

async function claim(page, couponId) {
  const id = Number(couponId)
  try {
    await couponsService.claim(id)
    feedback.toast('领取成功')
    page.claimable = page.claimable.map((coupon) =>
      coupon.id === id ? Object.assign({}, coupon, { claimed_by_me: coupon.claimed_by_me + 1, left: coupon.left - 1 }) : coupon
    )
    page.setData({ couponCards: page.claimable.map(view) })
  } catch (err) {
    // api showed why (已被领完 …)
  }
}

/** 新人专享券 the shopper holds and has not been shown yet (once per device). */
async function newcomerCoupons(storage) {
  if (storage.get(NEWCOMER_SEEN)) return []
  try {
    const page = await couponsService.listMine('usable', 1, 10, { silent: true })
    return page.items.filter((coupon) => coupon.new_user).map((coupon) => card(coupon))
  } catch (err) {
    return []
  }
}

const NEWCOMER_SEEN = 'newcomer_coupons_seen'

module.exports = { load, claim, newcomerCoupons, NEWCOMER_SEEN }
