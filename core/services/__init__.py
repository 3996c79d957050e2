"""Use cases: functions that change the marketplace inside one unit of work.

Each service module takes a :class:`core.ports.UnitOfWork` (never commits it: the caller,
usually :class:`handlers.dispatch.Dispatcher`, commits once per update) and the current
instant from the injected clock. Services enforce the rules; handlers only translate and render.
"""

__all__: list[str] = []
