"""The interactive web explorer (`ketasim serve`), a Streamlit page over pure functions.

- inputs.py: what the user typed -> a validated, bounded request, through the
  experiment-file schema (so the page accepts exactly what a file would); schedule presets
- cascade.py: simulate a request and pick each layer's key observable
- figure.py: the cascade of one or two regimens on a shared time axis (matplotlib)
- trial.py: a small virtual trial in this process, with a progress callback
- app.py: the Streamlit script (the only file that imports Streamlit)

Nothing the user types reaches a file path or a shell: trials write to a temporary
folder the explorer creates and removes itself.
"""
