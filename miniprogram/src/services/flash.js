const api = require('../utils/api')

module.exports = {
  /** 提醒我: one subscribe message when the item's session starts; flash_already_started after. */
  remind: (itemId) => api.request({ url: `/flash-sales/items/${itemId}/reminder`, method: 'POST', silent: true }),
  /** {item_ids} the shopper asked to be reminded of (still waiting). */
  myReminders: () => api.request({ url: '/flash-sales/reminders', silent: true }),
  /** {server_time, sessions: [{id, title, starts_at, ends_at, status, items: [...]}]} */
  listFlashSales: (options = {}) => api.request({ url: '/flash-sales', silent: options.silent, retry: true }),
  /** An ordinary order (kind "flash"); errors: flash_sold_out, flash_limit_reached, flash_not_started, flash_ended. */
  orderFlashItem: (itemId, addressId, quantity = 1) =>
    api.request({
      url: `/flash-sales/items/${itemId}/orders`,
      method: 'POST',
      data: { quantity, address_id: addressId },
      loading: '抢购中',
      silent: true,
    }),
}
