"""Public pages and the dashboard dispatcher."""
