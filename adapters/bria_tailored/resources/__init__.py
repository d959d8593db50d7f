"""Resource groups of the facade (``client.projects``, ``client.datasets``, ...), written once as plan
groups (``ProjectPlans``, ...) that both clients run; ``scripts/gen_facade.py`` writes the classes users
hold (``bria_tailored._sync_facade`` / ``_async_facade``) from them."""
