// Share codes (getwxacodeunlimit) carry a short `scene`: "g=12" opens goods 12, "t=34" group 34.
// WeChat hands it to the page as query.scene, URI-encoded: decodeURIComponent(query.scene).
const routes = require('./routes')

const KINDS = {
  g: { kind: 'goods', page: 'subpackages/goods/detail/index', url: (id) => routes.goodsDetail(id) },
  t: { kind: 'group', page: 'subpackages/groupbuy/group/index', url: (id) => routes.group(id) },
}

/** {kind, id} from a raw scene ("g%3D12" or "g=12"), or null for anything else. */
function parse(raw) {
  if (!raw) return null
  let scene = String(raw)
  try {
    scene = decodeURIComponent(scene)
  } catch (err) {
    return null
  }
  const match = /^([a-z])=(\d{1,18})$/.exec(scene)
  if (!match || !KINDS[match[1]]) return null
  return { kind: KINDS[match[1]].kind, id: match[2], prefix: match[1] }
}

/** The page address a scene opens, or '' when the scene means nothing to us. */
function routeOf(raw) {
  const found = parse(raw)
  return found ? KINDS[found.prefix].url(found.id) : ''
}

/** Launch options → the url to open instead of the launched page ('' to stay). WeChat opens a
 * share code's own page; an old code whose page moved, or one opened on home, is routed here. */
function launchTarget(options) {
  const query = (options && options.query) || {}
  const found = parse(query.scene)
  if (!found) return ''
  const launched = String((options && options.path) || '').replace(/^\//, '')
  return launched === KINDS[found.prefix].page ? '' : KINDS[found.prefix].url(found.id)
}

/** The id a page should show: its own query parameter, or the one in a share code's scene. */
function idFor(kind, ownId, rawScene) {
  if (ownId) return ownId
  const found = parse(rawScene)
  return found && found.kind === kind ? found.id : ''
}

function encode(kind, id) {
  const prefix = Object.keys(KINDS).find((key) => KINDS[key].kind === kind)
  return `${prefix}=${id}`
}

module.exports = { parse, routeOf, launchTarget, idFor, encode }
