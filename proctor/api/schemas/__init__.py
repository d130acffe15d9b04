"""Request and response models of the JSON API v1 (pydantic), named as in DESIGN.md.

One module per area; everything is importable from here.
"""

from proctor.api.schemas.accounts import *  # noqa: F403
from proctor.api.schemas.closeout import *  # noqa: F403
from proctor.api.schemas.common import *  # noqa: F403
from proctor.api.schemas.evidence import *  # noqa: F403
from proctor.api.schemas.floor import *  # noqa: F403
from proctor.api.schemas.movements import *  # noqa: F403
from proctor.api.schemas.patrol import *  # noqa: F403
from proctor.api.schemas.photos import *  # noqa: F403
from proctor.api.schemas.registry import *  # noqa: F403
from proctor.api.schemas.seating import *  # noqa: F403
from proctor.api.schemas.setup import *  # noqa: F403
