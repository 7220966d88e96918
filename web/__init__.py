"""The edges of Diktum: the Flask app, its UI and APIs, and the ``diktum`` CLI."""
