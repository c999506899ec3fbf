"""directcrm core: brands, reps, customers, products, orders, the module system and the CLI."""

__version__ = "0.2.0"
