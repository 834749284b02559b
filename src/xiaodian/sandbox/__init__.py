"""Local simulators of the services outside the machine (WeChat, WeChat Pay, Alipay)."""
