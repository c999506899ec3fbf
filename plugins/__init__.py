"""Built-in directcrm modules. Each sub-package is installable per brand."""
