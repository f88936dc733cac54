"""JupyterHub configuration for several cohorts (研修) on one hub: one nbgrader course per cohort.

Load it from the hub's configuration (it is a configuration file itself, not a module):

- The Littlest JupyterHub: copy it to ``/opt/tljh/config/jupyterhub_config.d/ebpm_cohorts.py``.
- Any jupyterhub_config.py: ``load_subconfig("/path/to/jupyterhub_cohorts.py")``.
- Zero to JupyterHub: paste it into ``hub.extraConfig`` and mount the cohorts file from a ConfigMap.

It reads the cohorts from the JSON file named by ``EBPM_COHORTS_FILE`` (default
``/etc/ebpm/cohorts.json``)::

    {
      "exchange_root": "/srv/nbgrader/exchange",
      "cohorts": {
        "ebpm-2026-ashikita": {"instructors": ["teacher1"], "learners": ["staff01", "staff02"]},
        "ebpm-2026-kumamoto": {"instructors": ["teacher2"], "learners": ["staff11"]}
      }
    }

For each cohort (its name is the nbgrader course id) it makes a hub group of its members and gives
every member's server ``EBPM_COURSE_ID`` (their course), ``EBPM_INSTRUCTORS`` (their cohort's
instructors, who get no student id and can collect and grade) and ``EBPM_EXCHANGE`` (the cohort's own
exchange folder ``<exchange_root>/<course id>``), which ``deploy/nbgrader_config.py`` reads. A
learner's Assignments panel then lists their own cohort's assignments only, and an instructor
releases to and collects from their own cohort only. A cohort's instructors may open the servers
of their own cohort's members (to help), and nobody else's.

JSON rather than TOML: the hub of The Littlest JupyterHub may run a Python without ``tomllib``.
"""
import json
import os

c = get_config()  # noqa: F821  (provided by traitlets when it reads this file)

_settings = json.loads(open(os.environ.get("EBPM_COHORTS_FILE", "/etc/ebpm/cohorts.json"), encoding="utf-8").read())
_exchange_root = _settings.get("exchange_root", "/srv/nbgrader/exchange")
_cohort_of = {}  # hub user name -> course id
for _course_id, _members in _settings["cohorts"].items():
    for _name in [*_members.get("instructors", []), *_members.get("learners", [])]:
        if _cohort_of.setdefault(_name, _course_id) != _course_id:
            raise ValueError(f"{_name} は研修 {_cohort_of[_name]} と {_course_id} の両方にいます。"
                             "ハブのユーザー 1 人は 1 つの研修にだけ入れてください。")

c.JupyterHub.load_groups = {
    course_id: {"users": [*members.get("instructors", []), *members.get("learners", [])]}
    for course_id, members in _settings["cohorts"].items()
}
c.Authenticator.allowed_users.update(_cohort_of)
c.JupyterHub.load_roles.extend([
    {
        "name": f"instructor-{course_id}",
        "description": f"研修 {course_id} の講師: その研修の受講者の一覧とサーバー",
        # servers by user, not by group: a single-user server cannot resolve a group filter
        # (jupyterhub.services.auth.check_scopes), so `access:servers!group=` would open nothing
        "scopes": [f"list:users!group={course_id}", f"read:users!group={course_id}",
                   *[f"access:servers!user={name}" for name in members.get("learners", [])]],
        "users": list(members.get("instructors", [])),
    }
    for course_id, members in _settings["cohorts"].items() if members.get("instructors")
])

_previous_hook = c.Spawner.pre_spawn_hook if "pre_spawn_hook" in c.Spawner else None


def _cohort_environment(spawner):
    """Give a member's server their cohort's course id, instructors and exchange folder."""
    if _previous_hook:
        _previous_hook(spawner)
    course_id = _cohort_of.get(spawner.user.name)
    if course_id is None:
        raise ValueError(f"{spawner.user.name} はどの研修にも入っていません（{os.environ.get('EBPM_COHORTS_FILE')}）。")
    members = _settings["cohorts"][course_id]
    exchange = os.path.join(_exchange_root, course_id)
    if os.path.isdir(_exchange_root) and not os.path.isdir(exchange):  # the hub sees the exchange (TLJH)
        os.makedirs(exchange)
        os.chmod(exchange, 0o777)  # as nbgrader wants its exchange root
    spawner.environment = {
        **spawner.environment,
        "EBPM_COURSE_ID": course_id,
        "EBPM_INSTRUCTORS": ",".join(members.get("instructors", [])),
        "EBPM_EXCHANGE": exchange,
    }


c.Spawner.pre_spawn_hook = _cohort_environment
