"""Rankings for the web app: the matching library over the database's experts and needs."""
