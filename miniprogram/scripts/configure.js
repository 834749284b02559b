#!/usr/bin/env node
// `npm run configure`: copy the appid and server address from shop.config.json into the
// files WeChat DevTools and the app read. Run it after every edit of shop.config.json.
const fs = require('fs')
const path = require('path')
const { outOfDate, readShopConfig, ROOT } = require('./shop-config')

try {
  const shop = readShopConfig()
  const changed = outOfDate()
  for (const { file, expected } of changed) {
    fs.writeFileSync(file, expected)
    console.log(`updated ${path.relative(ROOT, file)}`)
  }
  if (!changed.length) console.log('already up to date')
  console.log(`appid ${shop.appid}; servers ${JSON.stringify(shop.servers)}`)
} catch (err) {
  console.error(err.message)
  process.exit(1)
}
