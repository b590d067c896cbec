from squall.server.http11.connection import HttpConnection

__all__ = ["HttpConnection"]
