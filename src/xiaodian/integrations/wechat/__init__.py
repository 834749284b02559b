"""WeChat: mini-program login, WeChat Pay v3 and v2."""
