"""Protocol clients for the services outside the machine: WeChat, Alipay, AMap."""
