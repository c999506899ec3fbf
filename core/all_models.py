"""Import every core model module so that their tables are in ``Base.metadata``.

Add a line here when a new core module defines tables (plugins' tables are imported by the
module registry).
"""

import core.audit.models  # noqa: F401
import core.handover.models  # noqa: F401
import core.jobqueue.models  # noqa: F401
import core.leads.models  # noqa: F401
import core.models  # noqa: F401
import core.segmentation.models  # noqa: F401
import core.users.models  # noqa: F401
