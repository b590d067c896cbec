"""An app module whose import fails (the error must stop the supervisor, not loop)."""

raise RuntimeError("this module cannot be imported")
