"""The office console: a web page for the office's staff and leaders (FastAPI, pages
rendered on the server, a JSON API beside them). It shows and does what the CLI does,
through the same service functions; this package holds only the web's own concerns:
sign-in and roles (signin.py, guard.py), what each role may see (views.py), pages
(pages.py, templates/), the API (api.py), charts (charts.py) and the server (server.py).
"""
