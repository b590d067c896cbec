"""What the App does as a response leaves on Squall's native path and once it has left:
send an outcome, keep a middleware's background, run the work after the response."""

from __future__ import annotations

from squall.background import in_turn
from squall.di import Solver
from squall.native import NativeRequest
from squall.outcome import Outcome
from squall.requests import Request
from squall.responses import Response, emit_native


async def send_outcome(native: NativeRequest, outcome: Outcome) -> None:
    if type(outcome[2]) is bytes:
        native.respond(*outcome)  # type: ignore[arg-type]
    else:
        await emit_native(native, *outcome)


def keep_background(request: Request, response: Response) -> None:
    """A middleware may send a response of its own, with a background of its own: that runs
    too, after the endpoint's response's (as it does under Starlette)."""
    extra = response.background
    if extra is None or extra is request.background:
        return
    first = request.background
    request.background = extra if first is None else in_turn(first, extra)
    request.finishes = True


async def after_response(request: Request, solver: Solver | None) -> None:
    """Once the response is sent: background tasks, dependency cleanup, then the returned
    response's own background; then the files of a form that was read are closed (called
    only when there is something to do: an extra coroutine costs every request)."""
    if solver is not None and not solver.idle:
        await solver.finish()
    background = request.background
    if background is not None:
        await background()
    if request._form is not None:
        await request.close()
