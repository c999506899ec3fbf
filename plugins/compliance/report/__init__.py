"""PDF reports of the compliance module: the monthly compliance report and the DS11
filing pack, rendered with WeasyPrint from Jinja templates in chunks (bounded memory),
merged with pypdf and stamped with "page X of Y"."""
