"""``seshat doctor``: what this machine has and lacks for a project, each row with its fix.

Every check reads the machine through a :class:`Probe`, so tests hand in a fake one and the rows
stay machine-independent. A row is ``ok``, ``fail`` (something the project needs is broken or
missing: the command exits non-zero), ``warn`` (works, or will be built on first use, but worth
knowing) or ``skip`` (does not apply here).
"""
