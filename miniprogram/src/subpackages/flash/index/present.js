// Pure helpers of the 秒杀 page: countdowns from the server's clock, progress, tabs.

/** The difference between the server's clock and this phone's (ms), from `server_time`. */
function clockOffset(serverTime, phoneNow) {
  const server = Date.parse(serverTime)
  return Number.isNaN(server) ? 0 : server - phoneNow
}

function pad(n) {
  return n < 10 ? `0${n}` : `${n}`
}

/** "01:02:03" (or "6天 01:02:03") until `target` (ms since epoch), never negative. */
function countdown(targetMs, nowMs) {
  const left = Math.max(0, Math.floor((targetMs - nowMs) / 1000))
  const days = Math.floor(left / 86400)
  const clock = `${pad(Math.floor((left % 86400) / 3600))}:${pad(Math.floor((left % 3600) / 60))}:${pad(left % 60)}`
  return days ? `${days}天 ${clock}` : clock
}

/** The status a session has at `nowMs` (server time), whatever the list said when loaded. */
function statusAt(session, nowMs) {
  if (nowMs >= Date.parse(session.ends_at)) return 'ended'
  if (nowMs < Date.parse(session.starts_at)) return 'upcoming'
  return 'running'
}

function presentItem(item) {
  const total = item.sold + item.stock_left
  return Object.assign({}, item, {
    percent: total ? Math.round((item.sold * 100) / total) : 100,
    soldOut: item.stock_left <= 0,
    leftText: item.stock_left > 0 ? `仅剩 ${item.stock_left} 件` : '已抢光',
  })
}

/** Tabs 正在疯抢 / 即将开始 with their sessions at `nowMs`. */
function tabsAt(sessions, nowMs) {
  const running = []
  const upcoming = []
  ;(sessions || []).forEach((session) => {
    const status = statusAt(session, nowMs)
    const shown = Object.assign({}, session, { status, items: (session.items || []).map(presentItem) })
    if (status === 'running') running.push(shown)
    else if (status === 'upcoming') upcoming.push(shown)
  })
  return [
    { key: 'running', text: '正在疯抢', sessions: running },
    { key: 'upcoming', text: '即将开始', sessions: upcoming },
  ]
}

module.exports = { clockOffset, countdown, statusAt, presentItem, tabsAt }
