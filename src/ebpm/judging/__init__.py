"""Judging answers: replaying notebooks to try wrong, alternative and mutated answers quickly.

- ``mutate``: mutants of a reference answer (the mistakes a learner could make).
- ``replay``: one notebook run in one process, forking at each answer cell to try answers.
- ``cases``: the wrong-answer and alternative-answer cases kept as data under tests/.
- ``analysis``: ``ebpm cases`` and ``ebpm mutants`` over many notebooks in parallel, with a cache.
"""
