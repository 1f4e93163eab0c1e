"""Who may change data: users in the store, their roles, grids and departments, API tokens (users.py).

Sessions, CSRF and rate limits are HTTP matters and live in web/auth/."""
