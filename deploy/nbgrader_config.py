"""nbgrader settings for every user's server on the course's JupyterHub (a global config).

Install it where every single-user server reads it, for example
``/etc/jupyter/nbgrader_config.py`` (The Littlest JupyterHub, a Docker image) or a folder named by
``JUPYTER_CONFIG_PATH``. docs/jupyterhub.md explains the set-up; tests/test_hub.py uses this very file.

- A learner's id is their JupyterHub user name (``JUPYTERHUB_USER``), so submissions, grades and
  feedback carry the same name as the hub, whatever operating-system user the server runs as.
- Instructors (``EBPM_INSTRUCTORS``, comma-separated hub user names) get no student id, so that
  ``nbgrader collect`` and ``ebpm grade`` in their course folder still see every learner.
- The exchange folder is ``EBPM_EXCHANGE`` (a shared volume on Kubernetes), else /srv/nbgrader/exchange.
- A learner's Validate waits for a busy server instead of failing a right answer, and says in Japanese
  when a cell really does not end (ebpm.nbgrader_ja.configure_learner_execution); instructors keep the
  course's own execution settings for grading.
- Several cohorts on one hub: deploy/jupyterhub_cohorts.py gives each member's server their cohort's
  ``EBPM_COURSE_ID``, ``EBPM_INSTRUCTORS`` and ``EBPM_EXCHANGE`` (its own exchange folder).
"""
import os

c = get_config()  # noqa: F821  (provided by traitlets when it reads this file)

c.CourseDirectory.course_id = os.environ.get("EBPM_COURSE_ID", "ebpm")
c.Exchange.root = os.environ.get("EBPM_EXCHANGE", "/srv/nbgrader/exchange")
c.Exchange.timezone = "Asia/Tokyo"
c.NbGraderAPI.timezone = "Asia/Tokyo"

_user = os.environ.get("JUPYTERHUB_USER", "")
_instructors = {name.strip() for name in os.environ.get("EBPM_INSTRUCTORS", "").split(",") if name.strip()}
if _user and _user not in _instructors:
    c.CourseDirectory.student_id = _user
    from ebpm.nbgrader_ja import configure_learner_execution

    configure_learner_execution(c)
