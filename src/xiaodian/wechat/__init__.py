"""The WeChat platform around the shop: access_token, shipping-info upload, subscribe
messages, content security, share codes and express tracking (see docs/wechat.md)."""
