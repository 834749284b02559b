const api = require('../utils/api')

module.exports = {
  /** {in_zone, distance_m, radius_m, fee_fen, free_above_fen, slots, pickup, express, message} */
  quote: (addressId) => api.request({ url: '/delivery/quote', data: { address_id: addressId }, silent: true }),
  /** A typed address as a point (AMap); refused with address_not_located when there is no key. */
  geocode: (address, city) =>
    api.request({ url: '/delivery/geocode', method: 'POST', data: { address, city }, silent: true }),
  /** The order's delivery: slot, stop number (第 N 站) once it is out, the outcome. */
  orderDelivery: (orderId) => api.request({ url: `/delivery/orders/${orderId}`, silent: true }),
}
