"""The process manager: workers, heartbeats, rolling restarts, recycling and ``--reload``."""

from squall.server.supervisor.supervisor import Supervisor, needs_supervisor

__all__ = ["Supervisor", "needs_supervisor"]
