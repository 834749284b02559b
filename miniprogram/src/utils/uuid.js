// A random version-4 UUID for Idempotency-Key headers.
function uuid4() {
  const hex = []
  for (let i = 0; i < 32; i += 1) hex.push(Math.floor(Math.random() * 16))
  hex[12] = 4
  hex[16] = (hex[16] & 0x3) | 0x8
  const s = hex.map((n) => n.toString(16)).join('')
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`
}

module.exports = { uuid4 }
