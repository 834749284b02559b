// Paying an order: ask the backend for prepay parameters, then hand them to WeChat.
// The order stays payable after a failure, so the shopper can pay again until it closes.
const api = require('../utils/api')

function prepay(orderId) {
  return api.request({ url: `/orders/${orderId}/pay`, method: 'POST', data: { channel: 'wechat' }, loading: '正在支付' })
}

function requestPayment(params) {
  return new Promise((resolve) => {
    wx.requestPayment(
      Object.assign({}, params, {
        success: () => resolve({ status: 'paid' }),
        fail: (err) => {
          const errMsg = (err && err.errMsg) || ''
          resolve({ status: /cancel/i.test(errMsg) ? 'cancelled' : 'failed', errMsg })
        },
      })
    )
  })
}

/** Resolves with {status: 'paid' | 'cancelled' | 'failed'}; rejects only with an ApiError from prepay. */
async function payOrder(orderId) {
  const params = await prepay(orderId)
  return requestPayment({
    timeStamp: params.timeStamp,
    nonceStr: params.nonceStr,
    package: params.package,
    signType: params.signType,
    paySign: params.paySign,
  })
}

const FAILURE_GUIDE =
  '支付未完成。请确认微信零钱或银行卡余额充足、网络连接正常后，在订单详情中点击「继续支付」。订单超时未支付将自动关闭。'

module.exports = { payOrder, FAILURE_GUIDE }
