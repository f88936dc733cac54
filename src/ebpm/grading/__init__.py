"""`ebpm grade`: fast, faithful, robust batch grading of a class with stock nbgrader.

A batch is a short list of steps, one module each:

1. ``submissions``: find collected submissions (``_grading/submitted/<learner>/<assignment>/``)
   or import a folder / zip of learner notebooks, mapping unsafe learner ids to safe ones.
2. ``inspect``: pre-checks before grading (broken JSON, wrong notebook names, extra files,
   edited or deleted test cells; with ``codecheck``, the syntax tree of the statements the learner
   wrote: rebinding what the tests call, reaching into IPython or the grader, writing files) and
   post-checks on the autograded notebook (stderr in a test cell, timeouts, memory, silent full marks).
   Flags never change a score.
3. ``runner``: stock ``nbgrader autograde A --student S --force`` for each submission, as many at
   once as the machine has cores, in threads of the batch process (one nbgrader serves every run; the
   grading tree holds it and one kernel per parallel run), each run against its own copy of the
   gradebook, with a per-cell time limit, a wall limit (the run's kernels and whatever they started
   are killed) and a memory limit on each kernel (RLIMIT_AS). The kernels' environment is the
   grader's own, unchanged (the scores must be stock nbgrader's); ``dataguard`` gives each run a
   read-only copy of data/ and makes its kernels refuse, and record, any write to data/.
4. ``merge``: the rows of that submission are copied into the main gradebook in one
   transaction, serially, so SQLite is never written by two processes at once.
5. ``journal``: one line per finished submission, keyed by the submission's content hash, so
   an interrupted batch resumes where it stopped (``--force`` regrades).
6. ``feedback``: Japanese feedback HTML (hidden tests removed) for each learner.
7. ``report``: the grades as CSV (UTF-8 with BOM for Excel) and an HTML summary with plots.

``pipeline.grade`` puts the steps together; ``ebpm grade`` is its command line.
"""
