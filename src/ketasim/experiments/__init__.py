"""Published findings as runnable experiment files: schema, runner, scoring, library."""
