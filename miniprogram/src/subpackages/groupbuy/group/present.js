// What the group page shows for a group as the API sends it: seats (members and empty ones),
// the headline, and which buttons apply to this viewer.
const RESULT = {
  filled: '拼团成功',
  failed: '拼团失败',
}

function present(group) {
  const member = !!group.my_order_id
  const seats = group.members.map((m) => ({ avatar: m.avatar_url, nickname: m.nickname, leader: m.is_leader, paid: m.paid, empty: false }))
  if (group.status === 'forming') {
    for (let n = seats.length; n < group.group_size; n += 1) seats.push({ empty: true })
  }
  let headline = ''
  if (group.status === 'forming') headline = group.seats_left > 0 ? `还差 ${group.seats_left} 人成团` : '等待最后一位好友支付'
  else if (group.status === 'filled') headline = RESULT.filled
  else if (group.status === 'failed') headline = member ? '拼团失败，已退款' : RESULT.failed
  else headline = '团长支付后开团'
  return {
    seats,
    headline,
    forming: group.status === 'forming',
    result: RESULT[group.status] || '',
    canInvite: group.status === 'forming' && member,
    canJoin: group.status === 'forming' && !member && group.seats_left > 0 && group.campaign.running,
    canViewOrder: member,
  }
}

/** Milliseconds left, measured on the server's clock (the phone's may be off). */
function millisLeft(group, receivedAt) {
  if (!group.expires_at) return 0
  const offset = Date.parse(group.server_time) - receivedAt
  return Date.parse(group.expires_at) - (Date.now() + offset)
}

module.exports = { present, millisLeft }
