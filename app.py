"""Flask entry point: `flask --app app run`, or `gunicorn 'app:app'`.

Settings come from the environment and `.env`; see connector/settings.py and manifest.yaml.
"""

from connector.web import create_app

app = create_app()
